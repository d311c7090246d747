// Every command's usage line, apart from the commands themselves: `tlsrpt --help` and a usage error
// print them all, and loading every command for that would load the e-mail parser, imapflow and the server.

export const importUsage = 'tlsrpt import [--db FILE] [--json | --verbose] PATH...';

export const summaryUsage = 'tlsrpt summary [--db FILE] [--from DATE] [--to DATE] [--domain D] [--json]';

export const checkUsage = 'tlsrpt check [--db FILE] [--domain D] [--as-of DATE] [--json]';

export const explainUsage = 'tlsrpt explain [RESULT-TYPE] [--json]   (what a result type means and how to fix it)';

/** The alert options serve and sync share (electron/cli/notify-options.ts). */
const notifyUsage =
  '[--notify-webhook URL] [--notify-email TO --smtp smtp://[USER@]HOST[:PORT] [--smtp-password-env NAME]\n' +
  '              [--smtp-ca FILE] [--notify-from ADDRESS]]';

export const serveUsage =
  'tlsrpt serve [--db FILE] [--port N] [--host 127.0.0.1] [--allow-remote] [--dns-server ADDR[:PORT]]...\n' +
  `              ${notifyUsage}\n` +
  '              [--receive PATH [--receive-max-bytes N] [--receive-rate PER_MINUTE] [--receive-concurrency N]]\n' +
  '              [--remote-ui] [--trusted-user-header NAME --allow-user USER[,USER...]] [--public-url URL]\n' +
  '              [--metrics] [--metrics-port N [--metrics-host 127.0.0.1]]\n' +
  '              [--sink postgresql://…]';

export const syncUsage =
  'tlsrpt sync [--db FILE] (--account NAME | --host H [--port P] [--security tls|starttls|plain] [--ca FILE] --user U\n' +
  '              [--auth password|xoauth2|oauth2] [--mailbox NAME] [--after move:FOLDER|seen|none] [--poll SECONDS])\n' +
  '              [--password-env NAME | --password-file FILE] [--once] [--deadline SECONDS] [--json]\n' +
  '              [--metrics-port N [--metrics-host 127.0.0.1]]   (Prometheus metrics while watching)\n' +
  '              [--sink postgresql://…]   (export to PostgreSQL after every batch)\n' +
  `              ${notifyUsage}\n` +
  '            --auth oauth2: --provider microsoft|google|ISSUER-URL --client-id ID [--tenant T] [--client-secret S]\n' +
  '              [--scope S] [--refresh-token-env NAME | --refresh-token-file FILE] [--sign-in] [--no-browser]';

export const lintUsage =
  'tlsrpt lint DOMAIN [--db FILE] [--json]      (the policies senders quoted in stored reports)\n' +
  '  tlsrpt lint DOMAIN --online [--dns-server ADDR[:PORT]] [--ca FILE] [--no-mx] [--json]\n' +
  '             (DNS, HTTPS and every MX host on port 25, now; --no-mx: not the MX hosts)\n' +
  '  tlsrpt lint --policy FILE | --sts-record TEXT | --tlsrpt-record TEXT [--json]';

export const backupUsage = 'tlsrpt backup [--db FILE] BACKUP_FILE';

export const checkDbUsage = 'tlsrpt check-db [--db FILE] [--salvage NEW_FILE] [--json]';

export const exportUsage =
  'tlsrpt export --to postgresql://[USER@]HOST[:PORT]/DATABASE [--db FILE] [--source NAME] [--batch N] [--json]\n' +
  '             (what is new since the last export; the password from $PGPASSWORD or ~/.pgpass)';
