// A worker thread that reads, decodes and parses files for an import (see
// prepare-pool.ts): the thread that writes to the database then only writes.
import { parentPort } from 'node:worker_threads';
import { prepareFile } from './prepare-file.js';

export interface PrepareRequest {
  id: number;
  /** Bytes where the file name is not UTF-8. */
  path: string | Uint8Array;
}

const port = parentPort;
if (port) {
  port.on('message', (request: PrepareRequest) => {
    void prepareFile(request.path).then((prepared) => {
      port.postMessage({ id: request.id, prepared });
    });
  });
}
