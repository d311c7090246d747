import { prepared, statementToIterate, type ReadableDatabase, type WritableDatabase } from './database.js';
import type { ReportSourceKind } from '../../../shared/report/types.js';

// Reads of a damaged database, for `tlsrpt check-db --salvage`: each asks
// for little, so that a damaged page costs the rows on it and not the rest.

export interface IntegrityReport {
  ok: boolean;
  /** SQLite's own words, at most the first few problems. */
  problems: string[];
}

/** `PRAGMA integrity_check`: every b-tree, every index against its table (slower than quick_check, and complete). */
export function integrityCheck(db: ReadableDatabase, maxProblems = 20): IntegrityReport {
  const rows = db.pragma(`integrity_check(${maxProblems})`) as { integrity_check: string }[];
  const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  return { ok: problems.length === 0, problems };
}

/** A stored report as the salvage needs it: the original document and where it came from. */
export interface StoredReportRow {
  rowid: number;
  sourceKind: ReportSourceKind;
  sourceRef: string;
  rawGzip: Buffer;
}

/** The highest report rowid, read from the table's right edge; null when even that cannot be read. */
export function lastReportRowid(db: ReadableDatabase): number | null {
  try {
    return (prepared(db, 'SELECT max(id) FROM reports').pluck().get() as number | null) ?? 0;
  } catch {
    return null;
  }
}

/** Up to `limit` reports after `afterRowid`, in rowid order; throws when a page on the way is damaged. */
export function reportRowsAfter(db: ReadableDatabase, afterRowid: number, limit: number): StoredReportRow[] {
  return prepared(
    db,
    `SELECT id AS rowid, source_kind AS sourceKind, source_ref AS sourceRef, raw_gzip AS rawGzip
         FROM reports WHERE id > ? ORDER BY id LIMIT ?`,
  ).all(afterRowid, limit) as StoredReportRow[];
}

/** The report with this rowid, or null; throws when its page is damaged. */
export function reportRow(db: ReadableDatabase, rowid: number): StoredReportRow | null {
  return (
    (prepared(
      db,
      `SELECT id AS rowid, source_kind AS sourceKind, source_ref AS sourceRef, raw_gzip AS rawGzip
           FROM reports WHERE id = ?`,
    ).get(rowid) as StoredReportRow | undefined) ?? null
  );
}

/** Tables kept as they are (not derived from reports), copied row by row where they can be read. */
const KEPT_TABLES = ['mailbox_accounts', 'mailbox_state', 'mailbox_messages'] as const;

/** Rowids past the last readable row tried before a table counts as read to its end. */
const MAX_ROWID_GAP = 1000;

/**
 * Copies the mailbox settings and progress that can be read into `target`,
 * the new database; returns rows copied and rows that could not be read.
 */
export function copyKeptTables(source: ReadableDatabase, target: WritableDatabase): { copied: number; lost: number } {
  let copied = 0;
  let lost = 0;
  for (const table of KEPT_TABLES) {
    const exists = prepared(source, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(table) as number;
    if (exists === 0) continue;
    const sourceColumns = new Set((source.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    const columns = (target.pragma(`table_info(${table})`) as { name: string }[])
      .map((column) => column.name)
      .filter((name) => sourceColumns.has(name));
    const list = columns.map((name) => `"${name}"`).join(', ');
    const insert = target.prepare(
      `INSERT OR IGNORE INTO ${table} (${list}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const copy = (row: Record<string, unknown>): void => {
      copied += insert.run(...columns.map((name) => row[name])).changes;
    };
    try {
      for (const row of statementToIterate(source, `SELECT ${list} FROM ${table}`).iterate() as Iterable<
        Record<string, unknown>
      >)
        copy(row);
    } catch {
      // Row by row: the readable rows before and after a damaged page are kept.
      const one = prepared(source, `SELECT ${list} FROM ${table} WHERE rowid = ?`);
      for (let rowid = 1, misses = 0; misses < MAX_ROWID_GAP; rowid++) {
        try {
          const row = one.get(rowid) as Record<string, unknown> | undefined;
          if (row) copy(row);
          misses = row ? 0 : misses + 1;
        } catch {
          lost += 1;
        }
      }
    }
  }
  return { copied, lost };
}
