import { splitInlineCode } from './inline-code.js';

/** A finding's, lint result's or glossary entry's text, its `backticked` parts shown as code. */
export function TextWithCode({ text }: { text: string }) {
  return (
    <>
      {splitInlineCode(text).map((piece, index) =>
        // The pieces of one text never reorder: the index is their identity.
        piece.code ? <code key={index}>{piece.text}</code> : <span key={index}>{piece.text}</span>,
      )}
    </>
  );
}
