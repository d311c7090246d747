// `tlsrpt explain`: the glossary at the terminal.
import { describe, expect, it } from 'vitest';
import { RESULT_TYPES } from '../../shared/report/vocabulary.js';
import { runCli } from '../helpers/cli.js';

describe('tlsrpt explain', () => {
  it('lists every RFC 8460 result type with its title and section', () => {
    const { status, stdout } = runCli(['explain']);
    expect(status).toBe(0);
    for (const type of RESULT_TYPES) expect(stdout).toMatch(new RegExp(`^${type} +\\S.*\\(RFC 8460 §4\\.3`, 'm'));
  });

  it('explains one type: meaning, causes, how to check and fix, and the linter where a policy is the cause', () => {
    const { status, stdout } = runCli(['explain', 'sts-policy-fetch-error']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^sts-policy-fetch-error: .+ \(RFC 8460 §4\.3\.2\.2\)$/m);
    expect(stdout).toMatch(/^Usual causes:\n {2}- /m);
    expect(stdout).toMatch(/^Check: /m);
    expect(stdout).toMatch(/^Fix: /m);
    expect(stdout).toContain('tlsrpt lint DOMAIN --online');
    const json = JSON.parse(runCli(['explain', 'certificate-expired', '--json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ resultType: 'certificate-expired', source: 'RFC 8460 §4.3.1', policyCause: false });
  });

  it('says so of a value no RFC defines, and refuses a second argument', () => {
    expect(runCli(['explain', 'made-up-type']).stdout).toContain('which RFC 8460 §4.3 does not define');
    const extra = runCli(['explain', 'a', 'b']);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "b"');
  });
});
