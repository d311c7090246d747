/**
 * The texts of findings, lint results and the glossary mark commands, record
 * names and policy lines the way Markdown does, between backticks (they are
 * also sent as Slack/Teams text). A piece of such a text: plain, or code to
 * show in a <code> element.
 */
export interface TextPiece {
  text: string;
  code: boolean;
}

/**
 * Splits a text at its backtick pairs. A backtick without a partner stays as
 * it is, in the plain text, rather than turning the rest of the text into code.
 */
export function splitInlineCode(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('`');
    const close = open === -1 ? -1 : rest.indexOf('`', open + 1);
    if (close === -1) break;
    if (open > 0) pieces.push({ text: rest.slice(0, open), code: false });
    // An empty pair (``) is no code: it stays as written.
    if (close === open + 1) pieces.push({ text: '``', code: false });
    else pieces.push({ text: rest.slice(open + 1, close), code: true });
    rest = rest.slice(close + 1);
  }
  if (rest !== '') pieces.push({ text: rest, code: false });
  return pieces;
}
