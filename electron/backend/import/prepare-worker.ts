// A worker thread that reads, decodes and parses files for an import (see
// prepare-pool.ts): the thread that writes to the database then only writes.
import { parentPort } from 'node:worker_threads';
import { prepareBytes, prepareFile, type PreparedFile } from './prepare-file.js';
import type { PrepareInput } from './prepare-pool.js';

export type PrepareRequest = { id: number } & PrepareInput;

const port = parentPort;
if (port) {
  port.on('message', (request: PrepareRequest) => {
    const prepared =
      'path' in request ? prepareFile(request.path) : prepareBytes(request.bytes, request.source, request.name);
    void prepared.then((result) => {
      // The reports' own bytes move to the writer instead of being copied.
      port.postMessage({ id: request.id, prepared: result }, transferable(result));
    });
  });
}

function transferable(prepared: PreparedFile): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const report of prepared.reports) {
    if (report.kind !== 'store') continue;
    const { buffer, byteOffset, byteLength } = report.item.rawGzip;
    // Only a buffer that holds these bytes alone: Node's small Buffers share one pool.
    if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) buffers.add(buffer);
  }
  return [...buffers];
}
