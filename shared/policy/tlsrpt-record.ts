import { lintResult, type Finding, type LintResult } from './findings.js';
import { readTaggedRecord, selectSingleRecord } from './record-fields.js';

const RFC = 'RFC 8460 §3';

export interface TlsRptRecord {
  rua: string[];
  extensions: Record<string, string>;
}

/**
 * `mailto:` or `https:` and the characters RFC 3986 allows in a URI, less
 * "," and ";", which must be percent-encoded inside a rua (RFC 8460 §3).
 */
const RUA_URI = /^(mailto|https?):[A-Za-z0-9\-._~:/?#[\]@!$&'()*+=%]+$/i;

/**
 * The `_smtp._tls` TXT record (RFC 8460 §3):
 * `v=TLSRPTv1; rua=<uri>[,<uri>…]` with `mailto:` or `https:` URIs (commas
 * inside a URI percent-encoded) and optional extensions.
 */
export function parseTlsRptRecord(input: string | readonly string[]): LintResult & { record: TlsRptRecord | null } {
  let rua: string[] | null = null;
  const fatal = (message: string, fix?: string): Finding => ({
    severity: 'error',
    code: 'tlsrpt-record-rua',
    message,
    rfc: RFC,
    fix,
  });
  return readTaggedRecord<TlsRptRecord>(
    input,
    {
      version: 'TLSRPTv1',
      codePrefix: 'tlsrpt-record',
      rfc: RFC,
      example: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com',
    },
    (field, findings) => {
      if (field.name !== 'rua') return 'unhandled';
      if (rua !== null) {
        // The grammar allows it; what senders do with a second rua is not said.
        findings.push({
          severity: 'warning',
          code: 'tlsrpt-record-repeated-rua',
          message: 'the record has more than one "rua" field; some senders use only the first',
          rfc: RFC,
          fix: 'list every address in one rua, separated by commas',
        });
      }
      const uris = field.value.split(/[ \t]*,[ \t]*/);
      for (const uri of uris) {
        if (!RUA_URI.test(uri)) {
          return fatal(
            uri === '' ? 'rua has an empty address' : `"${uri}" is not a mailto: or https: URI`,
            'rua=mailto:tlsrpt@example.com (commas inside an address are written %2C)',
          );
        }
        if (/^http:/i.test(uri)) {
          findings.push({
            severity: 'error',
            code: 'tlsrpt-rua-not-https',
            message: `"${uri}" is plain HTTP: reports must be posted over HTTPS`,
            rfc: RFC,
            fix: uri.replace(/^http:/i, 'https:'),
          });
        }
        if (/^mailto:/i.test(uri) && !/^mailto:[^@]+@[^@]+$/i.test(uri)) {
          return fatal(`"${uri}" is not a mailto: address (user@domain)`);
        }
      }
      rua = [...(rua ?? []), ...uris];
      return 'handled';
    },
    (extensions) =>
      rua === null
        ? {
            error: {
              severity: 'error',
              code: 'tlsrpt-record-missing-rua',
              message: 'the record has no "rua" field: senders have nowhere to send reports',
              rfc: RFC,
              fix: 'add "; rua=mailto:tlsrpt@example.com"',
            },
          }
        : { record: { rua, extensions } },
  );
}

/** All TXT strings at `_smtp._tls.<domain>`: exactly one TLS-RPT record must be among them (RFC 8460 §3). */
export function parseTlsRptRecordSet(
  records: readonly (string | readonly string[])[],
): LintResult & { record: TlsRptRecord | null } {
  const selected = selectSingleRecord(
    records,
    'v=TLSRPTv1',
    {
      severity: 'error',
      code: 'tlsrpt-record-missing',
      message: 'no TXT record starting with "v=TLSRPTv1;" was found',
      rfc: RFC,
    },
    (count) => ({
      severity: 'error',
      code: 'tlsrpt-record-multiple',
      message: `${count} TLS-RPT records were found; with more than one, senders send no reports`,
      rfc: RFC,
      fix: 'keep exactly one "v=TLSRPTv1" TXT record',
    }),
  );
  if ('finding' in selected) return { ...lintResult([selected.finding]), record: null };
  return parseTlsRptRecord(selected.text);
}
