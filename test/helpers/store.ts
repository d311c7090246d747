import type { WritableDatabase } from '../../electron/backend/db/database.js';
import { ReportWriter } from '../../electron/backend/db/store-report.js';
import { parseTlsRptReport } from '../../shared/report/parse.js';

/** Parses report documents (JSON text) and stores them, as the importer would, in one batch. */
export function storeReportDocuments(db: WritableDatabase, documents: readonly string[]): void {
  const items = documents.map((text) => {
    const parsed = parseTlsRptReport(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return {
      report: { ...parsed.report, reportId: parsed.report.reportId ?? 'x' },
      warnings: parsed.warnings,
      source: { kind: 'file' as const, ref: 'test' },
      receivedAt: null,
      rawGzip: new Uint8Array(),
      contentSha256: 'x',
    };
  });
  const outcomes = new ReportWriter(db).storeMany(items);
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (failed) throw new Error(`a test report was not stored: ${JSON.stringify(failed)}`);
}
