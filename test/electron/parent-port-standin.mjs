// Loaded with `node --import` before the compiled backend-process.js: Electron
// gives a utility process `process.parentPort`, with 'message' events whose
// `data` is the message and `postMessage` for answers. Under plain Node this
// stand-in carries the same messages over the child_process IPC channel.
// Like Electron's port (a MessagePort underneath), it holds messages that
// arrive before anyone listens: main may send while the backend still loads.
import { EventEmitter } from 'node:events';

const port = new EventEmitter();
const queued = [];
port.postMessage = (message) => {
  process.send(message);
};
port.on('newListener', (event) => {
  if (event !== 'message') return;
  setImmediate(() => {
    for (const message of queued.splice(0)) port.emit('message', { data: message });
  });
});
process.on('message', (message) => {
  if (port.listenerCount('message') === 0) queued.push(message);
  else port.emit('message', { data: message });
});
process.parentPort = port;
