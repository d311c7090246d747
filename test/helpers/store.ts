import type { WritableDatabase } from '../../electron/backend/db/database.js';
import { ReportWriter, type ReportToStore } from '../../electron/backend/db/store-report.js';
import { parseTlsRptReport } from '../../shared/report/parse.js';

/** A report document (JSON text) parsed into what the writer stores, as the importer would prepare it. */
export function reportToStore(
  text: string,
  source: ReportToStore['source'] = { kind: 'file', ref: 'test' },
): ReportToStore {
  const parsed = parseTlsRptReport(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const reportId = parsed.report.reportId ?? 'x';
  return {
    report: { ...parsed.report, reportId },
    warnings: parsed.warnings,
    source,
    receivedAt: null,
    rawGzip: new Uint8Array(),
    contentSha256: reportId,
  };
}

/** Parses report documents (JSON text) and stores them, as the importer would, in one batch. */
export function storeReportDocuments(db: WritableDatabase, documents: readonly string[]): void {
  const outcomes = new ReportWriter(db).storeMany(documents.map((text) => reportToStore(text)));
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (failed) throw new Error(`a test report was not stored: ${JSON.stringify(failed)}`);
}
