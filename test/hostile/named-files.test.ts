import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { readRegularFile } from '../../electron/backend/files/regular-file.js';
import { parseJsonOutput, runCliAsync } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

interface ImportJson {
  imported: number;
  files: { file: string; status: string; message: string }[];
}

describe('paths named by a request or found in a folder', () => {
  it('imports a folder with a FIFO, /dev/zero, /proc/kmsg and a non-UTF-8 name in it, without waiting on any', async () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.json'), reportJson({ reportId: 'a' }));
    execFileSync('mkfifo', [join(dir, 'b-fifo.json')]);
    symlinkSync(join(dir, 'b-fifo.json'), join(dir, 'c-link-to-fifo.json'));
    symlinkSync('/dev/zero', join(dir, 'd-zero.json'));
    if (existsSync('/proc/kmsg')) symlinkSync('/proc/kmsg', join(dir, 'e-kmsg.json'));
    // Latin-1 "é": not UTF-8, so the name decoded as text would name no file.
    const latin1 = Buffer.concat([Buffer.from(dir + '/f-r'), Buffer.from([0xe9]), Buffer.from('sum.json')]);
    writeFileSync(latin1, reportJson({ reportId: 'latin1' }));

    const db = join(tempDir(), 'files.sqlite');
    const started = Date.now();
    const result = await runCliAsync(['import', '--json', '--db', db, dir]);
    expect(Date.now() - started).toBeLessThan(20_000);
    const output = parseJsonOutput<ImportJson>(result);
    const outcome = (name: string) => output.files.find((file) => file.file.endsWith(name));
    expect(outcome('a.json')?.status).toBe('imported');
    expect(outcome('f-r\uFFFDsum.json')).toMatchObject({
      status: 'imported',
      message: 'report latin1 from Sender Inc.',
    });
    expect(outcome('b-fifo.json')).toMatchObject({ status: 'skipped', message: 'not a regular file or folder' });
    expect(outcome('c-link-to-fifo.json')).toMatchObject({
      status: 'skipped',
      message: 'not a regular file or folder',
    });
    expect(outcome('d-zero.json')).toMatchObject({ status: 'skipped', message: 'not a regular file or folder' });
    if (existsSync('/proc/kmsg'))
      expect(outcome('e-kmsg.json')).toMatchObject({ status: 'skipped', message: 'an empty file' });
    expect(output.imported).toBe(2);

    const stored = new Database(db, { readonly: true });
    try {
      expect(stored.prepare('SELECT report_id FROM reports ORDER BY report_id').pluck().all()).toEqual(['a', 'latin1']);
    } finally {
      stored.close();
    }
  }, 60_000);

  it('reads only regular files, up to the cap, and says why not', () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048, 0x41));
    writeFileSync(join(dir, 'ok'), 'hello');
    expect(() => readRegularFile(fifo, 1024)).toThrow('not a regular file (a named pipe)');
    expect(() => readRegularFile('/dev/zero', 1024)).toThrow('not a regular file (a character device)');
    expect(() => readRegularFile(dir, 1024)).toThrow('not a regular file (a folder)');
    expect(() => readRegularFile(join(dir, 'big'), 1024)).toThrow('the file is 2 KiB, over the 1 KiB limit');
    expect(() => readRegularFile(join(dir, 'none'), 1024)).toThrow('no such file or folder');
    expect(readRegularFile(join(dir, 'ok'), 1024).toString()).toBe('hello');
    // /proc files report size 0 whatever they hold: the read still stops at the cap.
    expect(() => readRegularFile('/proc/self/maps', 16)).toThrow('the file is over the 16 bytes limit');
  });

  it('answers testMailbox with a CA file that is /dev/zero or a FIFO at once, and the server goes on', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'ca.pem');
    execFileSync('mkfifo', [fifo]);
    const db = openDatabase(join(dir, 'm.sqlite'));
    const { handlers, mailboxes } = createApiHandlers({ db, databasePath: 'm', transport: 'http', allowPaths: false });
    try {
      for (const [caFile, reason] of [
        ['/dev/zero', 'not a regular file (a character device)'],
        [fifo, 'not a regular file (a named pipe)'],
      ] as const) {
        const started = Date.now();
        const result = await dispatch(handlers, 'testMailbox', {
          account: {
            name: 'x',
            host: '127.0.0.1',
            port: 1,
            security: 'tls',
            user: 'u',
            auth: 'password',
            mailbox: 'INBOX',
            after: { action: 'none' },
            pollIntervalSeconds: 300,
            caFile,
          },
          secret: 'pw',
        });
        // Before: /dev/zero grew the server by 290 MB/s; a FIFO froze it.
        expect(Date.now() - started).toBeLessThan(5000);
        expect(result).toEqual({
          ok: false,
          error: { code: 'failed', message: `cannot read the CA file ${caFile}: ${reason}` },
        });
      }
      expect((await dispatch(handlers, 'mailboxes', {})).ok).toBe(true);
    } finally {
      await mailboxes.stopAll();
      db.close();
    }
  });
});
