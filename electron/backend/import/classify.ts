import { isGzip } from './payload.js';

export type InputKind =
  { kind: 'report' } | { kind: 'email' } | { kind: 'skip'; reason: string } | { kind: 'reject'; reason: string };

const EMAIL_EXTENSIONS = /\.(eml|mime)$/i;
const REPORT_EXTENSIONS = /\.(json|json\.gz|gz)$/i;
/** The first line of an RFC 5322 message is a header field: `Name: value`. */
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:[ \t]?/;

/**
 * Decides how to read a file from its name and first bytes. Content wins
 * over names where they disagree (a Maildir file has no extension; a
 * `.json` may be gzip), and files that are clearly something else are
 * skipped with the reason, not rejected.
 */
export function classifyInput(name: string, head: Uint8Array): InputKind {
  if (isGzip(head)) {
    if (/\.xml\.gz$/i.test(name)) return { kind: 'skip', reason: 'a DMARC report (XML), not a TLS-RPT report' };
    return { kind: 'report' };
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return { kind: 'skip', reason: 'a ZIP archive (TLS-RPT reports are JSON or gzip; DMARC reports come as ZIP)' };
  }
  if (/\.gz$/i.test(name)) return { kind: 'reject', reason: 'the name ends in .gz but the content is not gzip data' };
  const text = new TextDecoder('utf-8').decode(head.subarray(0, 1024)).replace(/^\uFEFF/, '');
  const firstChar = text.trimStart().charAt(0);
  if (EMAIL_EXTENSIONS.test(name)) return { kind: 'email' };
  if (REPORT_EXTENSIONS.test(name) || firstChar === '{') return { kind: 'report' };
  if (HEADER_LINE.test(text)) return { kind: 'email' };
  if (firstChar === '<') return { kind: 'skip', reason: 'XML or HTML (a DMARC report?), not a TLS-RPT report' };
  return { kind: 'skip', reason: 'not a TLS-RPT report (.json, .json.gz) or a report e-mail (.eml)' };
}
