#!/usr/bin/env node
import { describeSqliteFailure } from '../backend/db/database-problems.js';
import { DatabaseFromFutureError } from '../backend/db/migrations/index.js';
import { resolveDatabasePath } from '../backend/paths.js';
import { backupUsage, runBackup } from './commands/backup.js';
import { checkUsage, runCheck } from './commands/check.js';
import { checkDbUsage, runCheckDb } from './commands/check-db.js';
import { explainUsage, runExplain } from './commands/explain.js';
import { importUsage, runImport } from './commands/import.js';
import { lintUsage, runLint } from './commands/lint.js';
import { runServe, serveUsage } from './commands/serve.js';
import { runSummary, summaryUsage } from './commands/summary.js';
import { runSync, syncUsage } from './commands/sync.js';
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

The database is --db FILE, else $TLSRPT_DB, else the desktop app's own
(tlsrpt-viewer/reports.sqlite in your user data folder).
`;

type Command = (args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  import: runImport,
  summary: runSummary,
  check: runCheck,
  explain: runExplain,
  serve: runServe,
  sync: runSync,
  lint: runLint,
  backup: runBackup,
  'check-db': runCheckDb,
};

export async function main(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out).write(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err.write(`tlsrpt: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
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

// Output piped into `head` or `less` that stops reading: stop too, quietly, as other command-line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
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
