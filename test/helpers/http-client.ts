import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { cliPath } from './cli.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request from a chosen loopback address (`from`): the server sees
 * 127.0.0.2, 127.0.0.3… as different clients, as it would see different
 * senders on the network.
 */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string; from?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(options.from === undefined ? {} : { localAddress: options.from }),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/**
 * Sends a request's head (and, if given, the start of its body) over a raw
 * socket and reads what the server answers without sending anything more:
 * whether it answered before the rest of the body, and closed.
 */
export function rawExchange(
  port: number,
  head: string,
  bodyStart = '',
): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('connect', () => socket.write(head + bodyStart));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve({ answer, closedByServer: true }));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve({ answer, closedByServer: true }) : reject(error),
    );
  });
}

/** `tlsrpt serve` with these arguments, on a free port; resolves with its URL once it listens. */
export async function startServe(
  args: string[],
): Promise<{ child: ChildProcess; url: string; port: number; stderr: () => string; stdout: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', ...args], {
    env: { ...process.env, TLSRPT_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /serving (http:\/\/[^ ]+\/) /.exec(stdout)?.[1];
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    child.on('error', reject);
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => stderr, stdout: () => stdout };
}

/** Stops a serve started by startServe, and waits for it to exit. */
export async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
