// The backend in its own process (Electron's utilityProcess), so that a big
// import or a slow query never freezes the window. It is the same backend as
// the command line's, started with the database path main gives it.
import { parseArgs } from 'node:util';
import { createApiHandlers } from '../backend/api/handlers.js';
import { dispatch } from '../backend/api/dispatch.js';
import { openDatabase } from '../backend/db/database.js';
import type { BackendRequest, BackendResponse } from './backend-client.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, 'native-binding': { type: 'string' } },
  allowPositionals: false,
});
if (values.db === undefined) throw new Error('backend process started without --db');

const port = process.parentPort;
const db = openDatabase(values.db, { nativeBinding: values['native-binding'] });
const { handlers } = createApiHandlers({ db, databasePath: values.db, transport: 'electron', allowPaths: true });

port.on('message', (event: { data: BackendRequest }) => {
  const { id, method, request } = event.data;
  void dispatch(handlers, method, request).then((result) => {
    const response: BackendResponse = { id, result };
    port.postMessage(response);
  });
});
