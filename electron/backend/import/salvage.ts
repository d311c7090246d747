import type { ReadableDatabase } from '../db/database.js';
import { openDatabase } from '../db/database.js';
import {
  copyKeptTables,
  lastReportRowid,
  reportRow,
  reportRowsAfter,
  type StoredReportRow,
} from '../db/salvage-queries.js';
import { gzipBlobsInPages, type PageScanResult } from '../db/page-scan.js';
import { ReportImporter } from './importer.js';

export interface SalvageResult {
  /** Reports stored in the new file. */
  salvaged: number;
  /** Report rows that could not be read (their page is damaged). */
  unreadable: number;
  /** Reports read but refused on import (today's limits are stricter than when they were stored). */
  rejected: number;
  mailboxRows: number;
  mailboxRowsLost: number;
}

/** Reports read, and written to the new file, at a time. */
const CHUNK = 256;
/** Rowids tried one by one past a damaged page before the rest of the table counts as lost. */
const MAX_ROWID_GAP = 10_000;

/**
 * Copies what can still be read of a damaged database into a new file:
 * every report is imported again from the original document stored with it
 * (raw_gzip), through the one importer, so its policies, failure details and
 * rollups are whole and consistent, whatever pages of them were lost; a
 * report whose own row cannot be read is lost. Mailbox settings and progress
 * are copied row by row. The damaged file is only read.
 */
export async function salvageDatabase(source: ReadableDatabase, targetFile: string): Promise<SalvageResult> {
  const target = openDatabase(targetFile);
  const result: SalvageResult = { salvaged: 0, unreadable: 0, rejected: 0, mailboxRows: 0, mailboxRowsLost: 0 };
  try {
    const importer = new ReportImporter(target);
    const store = async (rows: readonly StoredReportRow[]): Promise<void> => {
      const outcomes = await importer.importBytesBatch(
        rows.map((row) => ({
          bytes: row.rawGzip,
          source: { kind: row.sourceKind, ref: row.sourceRef },
          name: 'report.json.gz',
        })),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'imported' || outcome.status === 'duplicate') result.salvaged += 1;
        else result.rejected += 1;
      }
    };
    const last = lastReportRowid(source);
    let after = 0;
    for (;;) {
      let rows: StoredReportRow[];
      try {
        rows = reportRowsAfter(source, after, CHUNK);
      } catch {
        // A damaged page on the way: step over it one rowid at a time, then read in chunks again.
        const resumeAt = await probePastDamage(source, after, last, store, result);
        if (resumeAt === null) break;
        after = resumeAt;
        continue;
      }
      const lastRow = rows.at(-1);
      if (!lastRow) break;
      await store(rows);
      after = lastRow.rowid;
    }
    const kept = copyKeptTables(source, target);
    result.mailboxRows = kept.copied;
    result.mailboxRowsLost = kept.lost;
  } finally {
    target.close();
  }
  return result;
}

/** Reads rowids one by one after `after`; the rowid of the first readable one, or null at the end. */
async function probePastDamage(
  source: ReadableDatabase,
  after: number,
  last: number | null,
  store: (rows: readonly StoredReportRow[]) => Promise<void>,
  result: SalvageResult,
): Promise<number | null> {
  const end = last ?? after + MAX_ROWID_GAP;
  for (let rowid = after + 1; rowid <= end; rowid++) {
    let row: StoredReportRow | null;
    try {
      row = reportRow(source, rowid);
    } catch {
      result.unreadable += 1;
      continue;
    }
    if (row) {
      await store([row]);
      return rowid;
    }
  }
  return null;
}

export interface PageSalvageResult {
  /** Reports stored in the new file. */
  salvaged: number;
  /** Gzip blobs found on the pages that were not a report the importer takes. */
  rejected: number;
  scan: PageScanResult;
}

/**
 * The salvage of a file SQLite cannot open at all (its first page, which
 * holds the schema, is overwritten, or the file was cut short): its pages
 * are read one by one (page-scan.ts), and every stored report document found
 * on them is imported again into the new file. What such a file loses: the
 * reports whose pages are gone, and every mailbox setting and sync position
 * (those rows cannot be told apart without the schema); the same report
 * found twice is stored once.
 */
export async function salvageByPages(sourceFile: string, targetFile: string): Promise<PageSalvageResult> {
  const target = openDatabase(targetFile);
  let scan: PageScanResult = { pages: 0, pageSize: 0, headerIntact: false };
  const result = { salvaged: 0, rejected: 0 };
  try {
    const importer = new ReportImporter(target);
    let batch: Buffer[] = [];
    const store = async (): Promise<void> => {
      const outcomes = await importer.importBytesBatch(
        batch.map((bytes) => ({ bytes, source: { kind: 'file', ref: sourceFile }, name: 'report.json.gz' })),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'imported' || outcome.status === 'duplicate') result.salvaged += 1;
        else result.rejected += 1;
      }
      batch = [];
    };
    for (const blob of gzipBlobsInPages(sourceFile, (done) => (scan = done))) {
      batch.push(blob);
      if (batch.length >= CHUNK) await store();
    }
    if (batch.length > 0) await store();
  } finally {
    target.close();
  }
  return { ...result, scan };
}
