import { randomUUID } from 'node:crypto';
import type { ImportJobStatus } from '../../../shared/api/contract.js';
import type { FileOutcome, ImportProgress } from '../../../shared/import/types.js';
import { addToTotals, emptyTotals } from '../../../shared/import/types.js';
import { compareIntakeNames, type ReportImporter } from './importer.js';
import type { SpooledUpload } from './upload-spool.js';

interface Job {
  id: string;
  done: boolean;
  progress: ImportProgress;
  outcomes: FileOutcome[];
  error: string | null;
}

/** 64 files commit in about 15 ms (0.2 ms a report): short enough to answer the UI between them. */
const SERVE_BATCH_FILES = 64;

/** Finished jobs kept for late status requests. */
const KEEP_FINISHED = 20;

/**
 * Imports that run while the UI goes on: a job is started, and its progress
 * and per-file outcomes are read by polling, which works the same over IPC
 * and HTTP.
 */
export class ImportJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly importer: ReportImporter) {}

  startPaths(paths: string[]): string {
    return this.start(async (job) => {
      await this.importer.importPaths(paths, {
        onFile: (outcome, progress) => {
          job.outcomes.push(outcome);
          job.progress = progress;
        },
      });
    });
  }

  /**
   * Files a browser uploaded to the spool (serve mode): imported by path, so
   * worker threads read and parse them, in small transactions so that the
   * thread that writes goes on answering requests between them.
   */
  startSpooled(
    uploads: readonly SpooledUpload[],
    release: (uploads: readonly SpooledUpload[]) => Promise<void>,
  ): string {
    const names = new Map(uploads.map((upload) => [upload.path, upload.name]));
    return this.start(async (job) => {
      try {
        await this.importer.importPaths(
          uploads.map((upload) => upload.path),
          {
            batchFiles: SERVE_BATCH_FILES,
            offThread: true,
            sourceOf: (path) => ({ kind: 'upload', ref: names.get(path) ?? path }),
            onFile: (outcome, progress) => {
              job.outcomes.push(outcome);
              job.progress = progress;
            },
          },
        );
      } finally {
        await release(uploads);
      }
    });
  }

  /**
   * Files sent inline as base64 (the desktop app, for dropped files that have
   * no path): prepared in the import's worker threads and written
   * SERVE_BATCH_FILES to a transaction, as files read by path are.
   */
  startUploads(files: { name: string; base64: string }[]): string {
    // In the order every intake path takes its files (compareIntakeNames): which copy of a re-sent report is kept.
    const ordered = [...files].sort((a, b) => compareIntakeNames(a.name, b.name));
    return this.start(async (job) => {
      job.progress.total = ordered.length;
      await this.importer.importByteBatches(
        async (importBatch) => {
          for (let at = 0; at < ordered.length; at += SERVE_BATCH_FILES) {
            const outcomes = await importBatch(
              ordered.slice(at, at + SERVE_BATCH_FILES).map((file) => ({
                bytes: Buffer.from(file.base64, 'base64'),
                source: { kind: 'upload' as const, ref: file.name },
                name: file.name,
              })),
            );
            for (const outcome of outcomes) {
              job.outcomes.push(outcome);
              addToTotals(job.progress.totals, outcome);
              job.progress.done += 1;
            }
          }
        },
        ordered.length < 64 ? 0 : undefined,
      );
    });
  }

  status(jobId: string, since: number): ImportJobStatus | null {
    const job = this.jobs.get(jobId);
    if (!job) return null;
    return {
      jobId,
      done: job.done,
      progress: { ...job.progress, totals: { ...job.progress.totals } },
      outcomes: job.outcomes.slice(since),
      error: job.error,
    };
  }

  /** Resolves when every running job has finished (for an orderly shutdown). */
  async idle(): Promise<void> {
    while ([...this.jobs.values()].some((job) => !job.done)) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private start(run: (job: Job) => Promise<void>): string {
    const job: Job = {
      id: randomUUID(),
      done: false,
      progress: { done: 0, total: 0, totals: emptyTotals() },
      outcomes: [],
      error: null,
    };
    this.jobs.set(job.id, job);
    this.forgetOldJobs();
    run(job)
      .catch((error: unknown) => {
        job.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        job.done = true;
      });
    return job.id;
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.done);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.id);
  }
}
