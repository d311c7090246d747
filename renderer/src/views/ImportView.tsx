import { useRef } from 'react';
import type { FileOutcome } from '../../../shared/import/types.js';
import { useApi } from '../api/useApi.js';
import { useImports } from '../import/ImportProvider.js';
import { formatCount } from '../format.js';

const SHOWN_OUTCOMES = 1000;

/** Import by dialog, picker or drop, with progress and what happened to each file. */
export function ImportView() {
  const { state, importFiles, chooseAndImport } = useImports();
  const info = useApi('appInfo', {});
  const desktop = info.status === 'ready' && info.value.canChoosePaths;
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  return (
    <>
      <h2>Import reports</h2>
      <section className="drop-zone" aria-label="Drop zone" data-testid="drop-zone">
        <p>
          Drop <code>.json</code>, <code>.json.gz</code> and <code>.eml</code> files, or whole folders, anywhere on this
          window.
        </p>
        {desktop ? (
          <p>
            <button type="button" onClick={() => void chooseAndImport('files')} disabled={state?.running}>
              Import files…
            </button>{' '}
            <button type="button" onClick={() => void chooseAndImport('folder')} disabled={state?.running}>
              Import folder…
            </button>
          </p>
        ) : (
          <p>
            <button type="button" onClick={() => filesInput.current?.click()} disabled={state?.running}>
              Choose files…
            </button>{' '}
            <button type="button" onClick={() => folderInput.current?.click()} disabled={state?.running}>
              Choose a folder…
            </button>
            <input
              ref={filesInput}
              type="file"
              multiple
              hidden
              data-testid="file-input"
              onChange={(event) => {
                void importFiles([...(event.currentTarget.files ?? [])]);
                event.currentTarget.value = '';
              }}
            />
            <input
              ref={folderInput}
              type="file"
              hidden
              // Chromium's attribute for choosing a folder; React passes it through as written.
              {...{ webkitdirectory: '' }}
              onChange={(event) => {
                void importFiles([...(event.currentTarget.files ?? [])]);
                event.currentTarget.value = '';
              }}
            />
          </p>
        )}
      </section>
      {state && (
        <section aria-label="Import progress" data-testid="import-progress">
          <progress max={Math.max(state.total, 1)} value={state.done} aria-label="Files done" />
          <p role="status" data-testid="import-totals">
            {state.running ? 'Importing: ' : 'Done: '}
            {formatCount(state.done)} of {formatCount(state.total)} files · {formatCount(state.totals.imported)}{' '}
            imported · {formatCount(state.totals.duplicates)} duplicates · {formatCount(state.totals.rejected)} rejected
            · {formatCount(state.totals.skipped)} skipped
          </p>
          {state.error && (
            <p className="error" role="alert">
              The import stopped: {state.error}
            </p>
          )}
          <ul className="outcomes" data-testid="import-outcomes">
            {state.outcomes.slice(0, SHOWN_OUTCOMES).map((outcome, index) => (
              <OutcomeLine key={index} outcome={outcome} />
            ))}
          </ul>
          {state.outcomes.length > SHOWN_OUTCOMES && (
            <p className="muted">…and {formatCount(state.outcomes.length - SHOWN_OUTCOMES)} more files.</p>
          )}
        </section>
      )}
    </>
  );
}

const LABELS: Record<FileOutcome['status'], string> = {
  imported: 'Imported',
  duplicate: 'Already stored',
  skipped: 'Skipped',
  rejected: 'Rejected',
};

function OutcomeLine({ outcome }: { outcome: FileOutcome }) {
  return (
    <li className={`outcome ${outcome.status}`}>
      <strong>{LABELS[outcome.status]}</strong> <span className="mono">{outcome.file}</span>: {outcome.message}
    </li>
  );
}
