import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers, type ApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import type { Summary } from '../../shared/summary/types.js';
import { corpusReports, useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();
let handlers: ApiHandlers;

beforeAll(async () => {
  const db = openDatabase(join(tempDir(), 'dispatch.sqlite'));
  await new ReportImporter(db).importPaths([corpusReports]);
  handlers = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false }).handlers;
});

describe('the contract at the boundary', () => {
  it.each([
    ['an unknown method', 'dropTables', {}, /^unknown method "dropTables"$/],
    ['a method name that is not a string', 42, {}, /^unknown method number$/],
    ['a prototype key as method', '__proto__', {}, /^unknown method/],
    ['a request that is not an object', 'summary', 'all', /^summary: /],
    ['a missing field', 'summary', {}, /^summary: filter: /],
    ['an extra field', 'summary', { filter: {}, sql: 'DROP TABLE reports' }, /Unrecognized key/],
    ['a time that is a string', 'summary', { filter: { fromTime: '2026-01-01' } }, /filter\.fromTime/],
    ['a negative offset', 'failures', { query: { filter: {} }, offset: -1, limit: 10 }, /offset/],
    ['a page too large', 'failures', { query: { filter: {} }, offset: 0, limit: 1_000_000 }, /limit/],
    [
      'an unknown sort column',
      'failures',
      { query: { filter: {} }, sort: { column: 'raw_gzip', direction: 'asc' }, offset: 0, limit: 10 },
      /sort\.column/,
    ],
    ['a report id that is not an integer', 'report', { id: 1.5 }, /^report: id: /],
    ['an import of nothing', 'startImport', {}, /name at least one path, file or upload/],
  ])('answers %s with invalid-request', async (_name, method, request, message) => {
    const result = await dispatch(handlers, method, request);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-request');
    expect(result.error.message).toMatch(message);
  });

  it('answers a report that does not exist with not-found', async () => {
    expect(await dispatch(handlers, 'report', { id: 999_999 })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'there is no report 999999' },
    });
  });

  it('refuses server paths from a browser (serve mode uploads instead)', async () => {
    const result = await dispatch(handlers, 'startImport', { paths: ['/etc/passwd'] });
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await dispatch(handlers, 'chooseAndImport', { what: 'files' })).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
  });

  it('answers valid requests', async () => {
    const summary = await dispatch(handlers, 'summary', { filter: { policyDomain: 'example.com' } });
    expect(summary).toMatchObject({ ok: true, value: { byDomain: [{ domain: 'example.com' }] } });
    const page = await dispatch(handlers, 'failures', { query: { filter: {}, mx: null }, offset: 0, limit: 5 });
    expect(page).toMatchObject({ ok: true });
    if (page.ok) {
      const value = page.value as { total: number; rows: { receivingMxHostname: string | null }[] };
      expect(value.total).toBeGreaterThan(0);
      expect(value.rows.every((row) => row.receivingMxHostname === null)).toBe(true);
    }
  });

  it('finds a domain and an MX host however their names are written (RFC 4343)', async () => {
    const filter = {};
    const pairs: [string, unknown, unknown][] = [
      ['mxHost', { filter, mx: 'mail.example.com' }, { filter, mx: 'MAIL.Example.COM.' }],
      ['domain', { filter, domain: 'example.com' }, { filter, domain: 'EXAMPLE.COM' }],
      [
        'failures',
        { query: { filter, mx: 'mail.example.com' }, offset: 0, limit: 50 },
        { query: { filter: { policyDomain: 'Example.Com' }, mx: 'MAIL.EXAMPLE.COM' }, offset: 0, limit: 50 },
      ],
      ['summary', { filter: { policyDomain: 'example.com' } }, { filter: { policyDomain: ' EXAMPLE.com. ' } }],
      ['findings', { domain: 'example.com' }, { domain: 'Example.COM' }],
      ['storedPolicyLint', { domain: 'example.com' }, { domain: 'EXAMPLE.COM' }],
    ];
    for (const [method, written, shouted] of pairs) {
      const expected = await dispatch(handlers, method, written);
      expect(expected, method).toMatchObject({ ok: true });
      expect(await dispatch(handlers, method, shouted), method).toEqual(expected);
    }
  });

  it('answers the Overview and the Senders view with their parts of the whole summary', async () => {
    for (const filter of [{}, { policyDomain: 'example.com' }, { fromTime: 0, toTime: 2_000_000_000 }]) {
      const whole = await dispatch(handlers, 'summary', { filter });
      if (!whole.ok) throw new Error('no summary');
      const { bySender, byMx, byDomain, ...overview } = whole.value as Summary;
      expect(byMx.length + byDomain.length).toBeGreaterThan(0);
      expect(await dispatch(handlers, 'overview', { filter })).toEqual({ ok: true, value: overview });
      expect(await dispatch(handlers, 'senders', { filter })).toEqual({ ok: true, value: bySender });
    }
  });
});
