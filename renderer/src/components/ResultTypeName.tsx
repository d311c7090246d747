import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { explainResultType } from '../../../shared/glossary/result-types.js';
import { TextWithCode } from './TextWithCode.js';

/**
 * A result type, with what it means one press away: a button beside the name
 * opens the glossary entry (its meaning, causes, how to check, the fix), and
 * Escape or the button closes it. A disclosure rather than a hover tooltip,
 * so that it works by keyboard and on touch, and its text can be selected.
 */
export function ResultTypeName({ type }: { type: string }) {
  return <ResultTypeExplainer type={type} showName />;
}

/** The explanation's button alone, beside a name drawn otherwise (a link, a selected filter). */
export function ExplainButtonOnly({ type }: { type: string }) {
  return <ResultTypeExplainer type={type} showName={false} />;
}

function ResultTypeExplainer({ type, showName }: { type: string; showName: boolean }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const explanation = explainResultType(type);
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && open) {
      event.stopPropagation();
      setOpen(false);
    }
  };
  // Escape closes an open entry wherever the focus is: a click on its text, to select it, moves the focus to
  // what is behind it (the Failures list), and the entry must not stay open until its button is found again.
  // A press inside the entry is handled above and goes no further.
  useEffect(() => {
    if (!open) return;
    const closeOnEscape = (event: globalThis.KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => {
      document.removeEventListener('keydown', closeOnEscape);
    };
  }, [open]);
  return (
    <span className="result-type" onKeyDown={onKeyDown}>
      {showName && <span className="result-type-name">{type}</span>}
      <button
        type="button"
        className="explain"
        aria-expanded={open}
        aria-controls={id}
        aria-label={`What ${type} means`}
        title={explanation.title}
        data-testid="explain-result-type"
        // Inside an openable row (the Senders list), a press of the button is the button's, not the row's:
        // the row opens on Enter, and would leave the page before the explanation showed.
        onClick={(event) => {
          event.stopPropagation();
          setOpen(!open);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' || event.key === ' ') event.stopPropagation();
        }}
      >
        ?
      </button>
      {open && (
        <span
          id={id}
          className="explanation"
          role="note"
          data-testid="result-type-explanation"
          // Selecting its text inside an openable row does not open the row.
          onClick={(event) => {
            event.stopPropagation();
          }}
        >
          <strong>{explanation.title}.</strong> <TextWithCode text={explanation.meaning} />
          <span className="explanation-part">
            <em>Usual causes:</em> <TextWithCode text={explanation.causes.join('; ')} />.
          </span>
          <span className="explanation-part">
            <em>Check:</em> <TextWithCode text={explanation.check} />
          </span>
          <span className="explanation-part">
            <em>Fix:</em> <TextWithCode text={explanation.fix} />
          </span>
          {explanation.liveCheck && (
            <span className="explanation-part">
              <em>Live check:</em> <TextWithCode text={explanation.liveCheck.text} />
            </span>
          )}
          <span className="explanation-part muted">{explanation.source}</span>
        </span>
      )}
    </span>
  );
}
