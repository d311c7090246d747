import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './net.js';

/**
 * A real PostgreSQL 15 server for tests (Debian's `postgresql` package): a
 * cluster made by initdb in a temporary folder, listening on 127.0.0.1 at a
 * free high port and on a Unix socket in the same folder, started and
 * stopped by the tests themselves. TCP logins need the superuser's password
 * (SCRAM), so a test can check that it is never printed.
 */
export interface PostgresServer {
  dir: string;
  port: number;
  user: 'postgres';
  password: string;
  /** postgresql://postgres:PASSWORD@127.0.0.1:PORT/DATABASE */
  url(database?: string): string;
  client(database?: string): Promise<pg.Client>;
  createDatabase(name: string): Promise<void>;
  start(): void;
  stop(): void;
}

const BIN = '/usr/lib/postgresql/15/bin';

export function postgresInstalled(): boolean {
  return existsSync(join(BIN, 'initdb'));
}

export async function createPostgres(): Promise<PostgresServer> {
  if (!postgresInstalled()) {
    throw new Error(`${BIN}/initdb is missing: install Debian's postgresql package (test/setup/system-packages.sh)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-postgres-'));
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the package's postgres user.
  const root = process.getuid?.() === 0;
  const asServerUser = (command: string, args: string[]): string =>
    execFileSync(root ? 'runuser' : command, root ? ['-u', 'postgres', '--', command, ...args] : args, {
      cwd: dir,
      // No pipes held open by the daemon that pg_ctl leaves running: its output goes to the log file.
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  chmodSync(dir, 0o700);
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const password = 'pg secret 7f3a:@/?#';
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  if (root) execFileSync('chown', ['postgres', pwfile]);
  const data = join(dir, 'data');
  asServerUser(join(BIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const log = join(dir, 'postgres.log');
  const server: PostgresServer = {
    dir,
    port,
    user: 'postgres',
    password,
    url: (database = 'postgres') =>
      `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    async client(database = 'postgres') {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database });
      await client.connect();
      return client;
    },
    async createDatabase(name) {
      const client = await server.client();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    start() {
      try {
        asServerUser(join(BIN, 'pg_ctl'), [
          '-D',
          data,
          '-l',
          log,
          '-w',
          '-t',
          '60',
          '-o',
          // fsync off: a test's cluster is thrown away, and the machine is shared; crash safety of the export is
          // PostgreSQL's transactions, which a killed client (not a killed server) exercises.
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`,
          'start',
        ]);
      } catch (error) {
        const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
        throw new Error(`PostgreSQL did not start: ${String(error)}\n${text}`, { cause: error });
      }
    },
    stop() {
      asServerUser(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
  return server;
}

export function removePostgres(server: PostgresServer): void {
  rmSync(server.dir, { recursive: true, force: true });
}
