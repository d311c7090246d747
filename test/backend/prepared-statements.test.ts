// The read statement cache: one statement per handle and SQL, modes reset
// between callers, and no way to write through it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, prepared } from '../../electron/backend/db/database.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

describe('prepared read statements', () => {
  it('are prepared once per handle and SQL, each handle its own', () => {
    const db = openDatabase(join(tempDir(), 'a.sqlite'));
    const other = openDatabase(join(tempDir(), 'b.sqlite'));
    const sql = 'SELECT COUNT(*) AS n FROM reports';
    expect(prepared(db, sql)).toBe(prepared(db, sql));
    expect(prepared(db, sql)).not.toBe(prepared(other, sql));
    db.close();
    other.close();
  });

  it('start each use without the mode an earlier caller set', () => {
    const db = openDatabase(join(tempDir(), 'c.sqlite'));
    const sql = 'SELECT 7 AS seven';
    expect(prepared(db, sql).pluck().get()).toBe(7);
    expect(prepared(db, sql).get()).toEqual({ seven: 7 });
    expect(prepared(db, sql).raw().get()).toEqual([7]);
    expect(prepared(db, sql).get()).toEqual({ seven: 7 });
    db.close();
  });

  it('refuse a statement that writes', () => {
    const db = openDatabase(join(tempDir(), 'd.sqlite'));
    expect(() => prepared(db, 'DELETE FROM reports')).toThrow(/statements that read/);
    expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(0);
    db.close();
  });
});
