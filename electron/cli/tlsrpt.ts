#!/usr/bin/env node
import { describeSqliteFailure } from '../backend/db/database-problems.js';
import { DatabaseFromFutureError } from '../backend/db/migrations/index.js';
import { resolveDatabasePath } from '../backend/paths.js';
import {
  backupUsage,
  checkDbUsage,
  checkUsage,
  explainUsage,
  exportUsage,
  importUsage,
  lintUsage,
  serveUsage,
  summaryUsage,
  syncUsage,
} from './command-usage.js';
import { EXIT_DATABASE, EXIT_USAGE, UsageError } from './usage.js';

const USAGE = `tlsrpt — read SMTP TLS reports (RFC 8460)

Usage:
  ${importUsage}
  ${summaryUsage}
  ${checkUsage}
  ${explainUsage}
  ${serveUsage}
  ${syncUsage}
  ${lintUsage}
  ${backupUsage}
  ${checkDbUsage}
  ${exportUsage}

The database is --db FILE, else $TLSRPT_DB, else the desktop app's own
(tlsrpt-viewer/reports.sqlite in your user data folder).
`;

type Command = (args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => number | Promise<number>;

/**
 * Each command is loaded when it runs: loaded all at once they cost about
 * 0.3 s of every start (the e-mail parser and imapflow for sync and import, the
 * HTTP server, the policy checker), more than `tlsrpt summary` itself.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  import: async () => (await import('./commands/import.js')).runImport,
  summary: async () => (await import('./commands/summary.js')).runSummary,
  check: async () => (await import('./commands/check.js')).runCheck,
  explain: async () => (await import('./commands/explain.js')).runExplain,
  serve: async () => (await import('./commands/serve.js')).runServe,
  sync: async () => (await import('./commands/sync.js')).runSync,
  lint: async () => (await import('./commands/lint.js')).runLint,
  backup: async () => (await import('./commands/backup.js')).runBackup,
  'check-db': async () => (await import('./commands/check-db.js')).runCheckDb,
  export: async () => (await import('./commands/export.js')).runExport,
};

export async function main(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out).write(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    err.write(`tlsrpt: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const command = await load();
    return await command(args, out, err);
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`tlsrpt ${name}: ${error.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (error instanceof DatabaseFromFutureError) {
      err.write(`tlsrpt ${name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const problem = describeSqliteFailure(error, databaseNamed(args));
    if (problem) {
      err.write(`tlsrpt ${name}: ${problem.message}\n`);
      return EXIT_DATABASE;
    }
    throw error;
  }
}

/** The database a command was given, for messages about it. */
function databaseNamed(args: readonly string[]): string {
  const index = args.indexOf('--db');
  return resolveDatabasePath(index >= 0 ? args[index + 1] : undefined);
}

// Output piped into `head` or `less` that stops reading: the rest of the output goes nowhere, quietly, but the
// command goes on to its end and exits with its own status. Exiting here stopped `import … | head -1` after the
// first thousand files and said 0 (issue 23, point 8). Writes to the destroyed stream are dropped by Node.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  throw error;
});

main(process.argv.slice(2), process.stdout, process.stderr).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`tlsrpt: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
