import { describe, expect, it } from 'vitest';
import { checkGeneratorInput } from '../../shared/policy/generate.js';
import { domainForms, hostNameProblem } from '../../shared/policy/idn.js';

const good = {
  domain: 'example.com',
  mxHosts: ['mx1.example.com'],
  maxAge: 1_209_600,
  reportAddress: 'tlsrpt@example.com',
};

describe('the generator form, field by field, in words', () => {
  it('accepts a complete form, an IDN domain and an https: report address', () => {
    expect(checkGeneratorInput(good)).toEqual([]);
    expect(checkGeneratorInput({ ...good, domain: 'münchen.example', mxHosts: ['*.mx.münchen.example'] })).toEqual([]);
    expect(checkGeneratorInput({ ...good, reportAddress: 'https://reports.example.net/tlsrpt' })).toEqual([]);
  });

  it('names each empty field with what to enter', () => {
    expect(checkGeneratorInput({ domain: ' ', mxHosts: [], maxAge: 1_209_600, reportAddress: '' })).toEqual([
      { field: 'domain', message: 'Enter the domain that receives the mail, such as example.com.' },
      {
        field: 'mxHosts',
        message: "Enter at least one MX host (as in the domain's MX records), such as mx1.example.com.",
      },
      {
        field: 'reportAddress',
        message: 'Enter where reports go: an e-mail address such as tlsrpt@example.com, or an https: URL.',
      },
    ]);
  });

  it('says what is wrong with a value', () => {
    const messages = (input: Partial<typeof good>) =>
      checkGeneratorInput({ ...good, ...input }).map((problem) => `${problem.field}: ${problem.message}`);
    expect(messages({ domain: 'tlsrpt@example.com' })).toEqual([
      'domain: "tlsrpt@example.com" is an e-mail address, not a domain name.',
    ]);
    expect(messages({ domain: 'localhost' })).toEqual([
      'domain: "localhost" has a single label; write the full name, such as example.com.',
    ]);
    expect(messages({ mxHosts: ['mx1.example.com', 'mx_2.example.com'] })).toEqual([
      'mxHosts: The MX host "mx_2.example.com" has the label "mx_2": labels are letters, digits and inner hyphens.',
    ]);
    expect(messages({ maxAge: 40_000_000 })).toEqual([
      'maxAge: max_age may be at most 31557600 seconds (about a year, RFC 8461 §3.2).',
    ]);
    expect(messages({ reportAddress: 'reports' })).toEqual([
      'reportAddress: "reports" is neither an e-mail address (tlsrpt@example.com) nor an https: URL.',
    ]);
  });
});

describe('IDN domains in both forms', () => {
  it('gives the Unicode form and the A-label of either', () => {
    expect(domainForms('xn--mnchen-3ya.example')).toEqual({
      unicode: 'münchen.example',
      ascii: 'xn--mnchen-3ya.example',
      international: true,
    });
    expect(domainForms('münchen.example').ascii).toBe('xn--mnchen-3ya.example');
    expect(domainForms('example.com')).toEqual({ unicode: 'example.com', ascii: 'example.com', international: false });
  });

  it('finds no problem in an IDN host name', () => {
    expect(hostNameProblem('bücher.example')).toBeNull();
    expect(hostNameProblem('192.0.2.1')).toBe('is an IP address, not a domain name');
  });
});
