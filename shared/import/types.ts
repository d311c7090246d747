// What an import tells the person who started it: per input file, and per
// report inside it (an e-mail may carry several).

export type ReportOutcome =
  | { status: 'imported'; organization: string; reportId: string; warnings: number; part: string | null }
  | {
      status: 'duplicate';
      organization: string;
      reportId: string;
      /** False when the stored report with this id has different content; the stored one is kept. */
      sameContent: boolean;
      part: string | null;
    }
  | { status: 'rejected'; field: string | null; error: string; part: string | null };

export type FileStatus = 'imported' | 'duplicate' | 'skipped' | 'rejected';

export interface FileOutcome {
  /** The path, upload name or mailbox message this outcome is about. */
  file: string;
  /** `rejected` when any report in it was rejected, even if others were imported. */
  status: FileStatus;
  reports: ReportOutcome[];
  /** One line in plain words: what happened. */
  message: string;
}

/**
 * Totals of one import. `imported`, `duplicates` and `rejected` count
 * reports (a broken file counts as one rejected report); `skipped` counts
 * files that hold no report.
 */
export interface ImportTotals {
  files: number;
  imported: number;
  duplicates: number;
  rejected: number;
  skipped: number;
}

export interface ImportProgress {
  done: number;
  total: number;
  totals: ImportTotals;
}

export function emptyTotals(): ImportTotals {
  return { files: 0, imported: 0, duplicates: 0, rejected: 0, skipped: 0 };
}

export function addToTotals(totals: ImportTotals, outcome: FileOutcome): void {
  totals.files += 1;
  if (outcome.status === 'skipped') totals.skipped += 1;
  for (const report of outcome.reports) {
    if (report.status === 'imported') totals.imported += 1;
    else if (report.status === 'duplicate') totals.duplicates += 1;
    else totals.rejected += 1;
  }
}

/** The file status that the outcomes of its reports add up to. */
export function fileStatus(reports: readonly ReportOutcome[]): Exclude<FileStatus, 'skipped'> {
  if (reports.some((report) => report.status === 'rejected')) return 'rejected';
  if (reports.some((report) => report.status === 'imported')) return 'imported';
  return 'duplicate';
}
