import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers, type ApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

/*
 * What the UI polls (dataVersion) and what makes its pages "not found"
 * (sender, mxHost for names no stored report holds), through the contract
 * on a real SQLite file. A second connection stands for another process
 * (`tlsrpt import` while the app is open).
 */
const tempDir = useTempDir();
let db: WritableDatabase;
let handlers: ApiHandlers;
let path: string;

function report(organization: string, reportId: string, mx: string): string {
  return reportJson({
    organization,
    reportId,
    start: '2026-01-10T00:00:00Z',
    end: '2026-01-10T23:59:59Z',
    policies: [
      policyEntry({
        domain: 'example.com',
        successful: 10,
        failed: 2,
        details: [failureDetail('certificate-expired', 2, { 'receiving-mx-hostname': mx })],
      }),
    ],
  });
}

beforeAll(() => {
  path = join(tempDir(), 'version.sqlite');
  db = openDatabase(path);
  handlers = createApiHandlers({ db, databasePath: path, transport: 'http', allowPaths: false }).handlers;
});

describe('dataVersion', () => {
  it('changes when another connection stores a report, and not otherwise', async () => {
    const empty = await dispatch(handlers, 'dataVersion', {});
    expect(empty).toEqual({ ok: true, value: { stamp: 0 } });
    expect(await dispatch(handlers, 'dataVersion', {})).toEqual(empty);
    const other = openDatabase(path);
    storeReportDocuments(other, [report('Google Inc.', 'A', 'mx1.example.com')]);
    other.close();
    const first = await dispatch(handlers, 'dataVersion', {});
    expect(first).toMatchObject({ ok: true });
    expect(first).not.toEqual(empty);
    // A report stored again (a duplicate) changes nothing.
    storeReportDocuments(db, [report('Google Inc.', 'A', 'mx1.example.com')]);
    expect(await dispatch(handlers, 'dataVersion', {})).toEqual(first);
    storeReportDocuments(db, [report('Mail.ru', 'B', 'mx2.example.com')]);
    expect(await dispatch(handlers, 'dataVersion', {})).not.toEqual(first);
  });

  it('takes no fields', async () => {
    expect(await dispatch(handlers, 'dataVersion', { since: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
  });
});

describe('names no stored report holds', () => {
  it('a sender: not found; a known one with nothing in the range: its empty page', async () => {
    expect(await dispatch(handlers, 'sender', { filter: {}, organization: 'No Such Sender' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no stored report is from No Such Sender' },
    });
    expect(
      await dispatch(handlers, 'sender', { filter: { fromTime: 0, toTime: 86_400 }, organization: 'Google Inc.' }),
    ).toMatchObject({ ok: true, value: { organization: 'Google Inc.', failedSessions: 0 } });
  });

  it('an MX host: not found; a known one, and the failures that name none, answer', async () => {
    expect(await dispatch(handlers, 'mxHost', { filter: {}, mx: 'mx9.example.com' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no failure detail names the MX host mx9.example.com' },
    });
    expect(await dispatch(handlers, 'mxHost', { filter: {}, mx: 'mx2.example.com' })).toMatchObject({
      ok: true,
      value: { mx: 'mx2.example.com', failedSessions: 2 },
    });
    expect(await dispatch(handlers, 'mxHost', { filter: {}, mx: null })).toMatchObject({ ok: true });
  });
});
