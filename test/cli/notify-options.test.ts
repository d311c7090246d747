// The alert options of serve and sync, refused in words before anything starts, never echoing a secret.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('--notify-webhook and --notify-email', () => {
  it('are refused with what is missing or wrong, and never repeat a token or password', () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--notify-email', 'postmaster@example.com'], /--notify-email needs --smtp/],
      [['serve', '--smtp', 'smtp://u:pw-s3cret@mail.example.com'], /--smtp only with --notify-email/],
      [['serve', '--notify-email', 'nobody', '--smtp', 'smtp://mail.example.com'], /--notify-email takes an address/],
      [
        ['serve', '--notify-email', 'a@example.com', '--smtp', 'imap://u:pw-s3cret@mail.example.com'],
        /--smtp takes an smtp:\/\/ or smtps:\/\/ URL, not imap:/,
      ],
      [
        ['serve', '--notify-webhook', 'ftp://hooks.example/pw-s3cret'],
        /--notify-webhook takes an http:\/\/ or https:\/\/ URL/,
      ],
      [
        ['sync', '--notify-webhook', 'hooks.example/pw-s3cret', '--host', 'h', '--user', 'u'],
        /the one given does not parse/,
      ],
      [
        [
          'sync',
          '--notify-email',
          'a@example.com',
          '--smtp',
          'smtp://u@mail.example.com',
          '--smtp-password-env',
          'TLSRPT_NO_SUCH_VAR',
        ],
        /the environment variable TLSRPT_NO_SUCH_VAR is not set/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr + result.stdout).not.toContain('pw-s3cret');
    }
  });
});
