// One connection to the sink's PostgreSQL, with bounded waits.
import pg from 'pg';

/** How long to wait for the server to answer a connection; past it, the export fails with a reason. */
const CONNECT_TIMEOUT_MS = 15_000;

/** Connects to the URL (a password in it, or in $PGPASSWORD or ~/.pgpass, as libpq reads them). */
export async function connectSink(url: URL): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tlsrpt export',
  });
  // An error after connecting (the server restarted) comes with the next query too; without a listener it would crash.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
