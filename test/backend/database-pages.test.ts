import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { storeReportDocuments } from '../helpers/store.js';
import { reportJson } from '../helpers/reports.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

describe('the page size of the database file', () => {
  it('makes a new database with 16 KiB pages, checkpointed at about 64 MiB of WAL', () => {
    const file = join(tempDir(), 'new.sqlite');
    const db = openDatabase(file);
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(16384);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4096);
    } finally {
      db.close();
    }
  });

  it('makes an empty file (zero bytes) a database with 16 KiB pages', () => {
    const file = join(tempDir(), 'empty.sqlite');
    writeFileSync(file, '');
    const db = openDatabase(file);
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(16384);
    } finally {
      db.close();
    }
  });

  it('keeps the pages of an existing database, and its reports readable', () => {
    const legacy = join(tempDir(), 'legacy.sqlite');
    const source = new Database(legacy);
    // A file made before this version: SQLite's default 4 KiB pages.
    source.pragma('page_size = 4096');
    source.exec('CREATE TABLE earlier (x)');
    source.close();
    const db = openDatabase(legacy);
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(16384);
      storeReportDocuments(db, [reportJson({ reportId: 'kept' })]);
      expect(db.prepare('SELECT report_id FROM reports').pluck().all()).toEqual(['kept']);
    } finally {
      db.close();
    }
    const reopened = openDatabase(legacy);
    try {
      expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
      expect(reopened.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(1);
    } finally {
      reopened.close();
    }
  });
});
