// The npm package, not Node's deprecated built-in of the same name: this runs in the browser too.
import punycode from 'punycode/punycode.js';

/**
 * A domain as people read it and as DNS stores it: `münchen.example` and
 * `xn--mnchen-3ya.example` (IDNA, RFC 5891). Reports carry whichever the
 * sender wrote; both are shown so that either can be recognised and copied.
 */
export interface DomainForms {
  unicode: string;
  ascii: string;
  /** True when the two differ: the name has an internationalized label. */
  international: boolean;
}

export function domainForms(name: string): DomainForms {
  let unicode = name;
  let ascii = name;
  try {
    unicode = punycode.toUnicode(name);
    ascii = punycode.toASCII(name);
  } catch {
    // A label that is not valid Punycode is shown as written.
  }
  return { unicode, ascii, international: unicode !== ascii };
}

/** `münchen.example (xn--mnchen-3ya.example)` as plain text (an option, a title); an ASCII name as it is. */
export function domainLabel(name: string): string {
  const forms = domainForms(name);
  return forms.international ? `${forms.unicode} (${forms.ascii})` : name;
}

/** LDH labels (RFC 1123 §2.1, RFC 5891 §4.2.3.1) of 1 to 63 characters, no hyphen at either end. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why a name (in either form) is not a host name that DNS can hold, in
 * words; null when it is one. A final root dot is allowed.
 */
export function hostNameProblem(name: string): string | null {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '') return 'is empty';
  if (/\s/.test(trimmed)) return 'has a space in it';
  if (trimmed.includes('@')) return 'is an e-mail address, not a domain name';
  if (/^https?:/i.test(trimmed) || trimmed.includes('/')) return 'is a URL, not a domain name';
  let ascii: string;
  try {
    ascii = punycode.toASCII(trimmed.toLowerCase());
  } catch {
    return 'has a label that cannot be written in DNS';
  }
  if (ascii.length > 253) return 'is longer than the 253 characters DNS allows';
  const labels = ascii.split('.');
  if (labels.length < 2) return 'has a single label; write the full name, such as example.com';
  if (labels.some((label) => label === '')) return 'has an empty label (two dots in a row)';
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return bad.length > 63
      ? `has a label longer than 63 characters ("${bad.slice(0, 20)}…")`
      : `has the label "${bad}": labels are letters, digits and inner hyphens`;
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'is an IP address, not a domain name';
  return null;
}
