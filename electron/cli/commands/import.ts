import type { FileOutcome } from '../../../shared/import/types.js';
import { openDatabase } from '../../backend/db/database.js';
import { BULK_BATCH_FILES, ReportImporter, plural } from '../../backend/import/importer.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { printable } from '../text.js';
import { EXIT_OK, EXIT_SOME_REJECTED, UsageError, parseCommandArgs, stringOption } from '../usage.js';

const STATUS_LABELS: Record<FileOutcome['status'], string> = {
  imported: 'imported ',
  duplicate: 'duplicate',
  skipped: 'skipped  ',
  rejected: 'rejected ',
};

export async function runImport(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('name at least one file or folder to import');
  const asJson = values.json === true;
  const verbose = values.verbose === true;

  const db = openDatabase(resolveDatabasePath(stringOption(values, 'db')));
  try {
    const importer = new ReportImporter(db);
    const result = await importer.importPaths(positionals, {
      // Only --json prints the outcomes at the end; otherwise each is printed as it comes, and forgotten.
      keepOutcomes: asJson,
      batchFiles: bulkBatchFiles(),
      onFile: asJson
        ? undefined
        : (outcome) => {
            // A line for each of 100,000 files hid the few that need a look (and cost 1.5 % of the import).
            if (!verbose && !needsALook(outcome)) return;
            out.write(`${STATUS_LABELS[outcome.status]}  ${printable(outcome.file)}: ${printable(outcome.message)}\n`);
          },
    });
    const { totals } = result;
    if (asJson) {
      out.write(`${JSON.stringify({ ...totals, files: result.files })}\n`);
    } else {
      out.write(
        `${plural(totals.files, 'file')}: ${totals.imported} imported, ${plural(totals.duplicates, 'duplicate')}, ` +
          `${totals.rejected} rejected, ${totals.skipped} skipped\n`,
      );
    }
    return totals.rejected > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
  } finally {
    db.close();
  }
}

/**
 * A file to tell about without --verbose: one rejected, a report imported
 * with warnings, one already stored with other content (the stored one is
 * kept). Imported, duplicate and skipped files are in the total.
 */
function needsALook(outcome: FileOutcome): boolean {
  return outcome.reports.some(
    (report) =>
      report.status === 'rejected' ||
      (report.status === 'imported' && report.warnings > 0) ||
      (report.status === 'duplicate' && !report.sameContent),
  );
}

/**
 * Files per transaction: BULK_BATCH_FILES, or TLSRPT_IMPORT_BATCH_FILES where
 * a test needs several batches of a few thousand files (kill -9 mid-import).
 */
function bulkBatchFiles(): number {
  const configured = Number(process.env['TLSRPT_IMPORT_BATCH_FILES']);
  return Number.isInteger(configured) && configured > 0 ? configured : BULK_BATCH_FILES;
}
