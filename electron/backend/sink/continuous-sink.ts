// `--sink URL` on serve and sync: the export to PostgreSQL run again after every import batch, so that
// PostgreSQL follows the SQLite database while the app runs.
import type { Client } from 'pg';
import type { ReadableDatabase } from '../db/database.js';
import type { ReportImporter } from '../import/importer.js';
import { connectSink } from './pg-connect.js';
import { exportToPostgres, type ExportProgress } from './pg-exporter.js';
import { redactSecret, redactSinkUrl } from './pg-url.js';

export interface ContinuousSinkOptions {
  url: URL;
  /** The watermark's name in PostgreSQL: the same as `tlsrpt export`'s for this database, so both share it. */
  source: string;
  /** An export that failed, in words without the password; the import is not held up by it. */
  onProblem: (message: string) => void;
  /** An export that wrote something. */
  onExported?: (progress: ExportProgress) => void;
}

/**
 * Runs one export at a time: an import that ends while one runs asks for
 * another after it, so nothing stored is left behind and no two exports of
 * the same source overlap. A failed export (PostgreSQL down) drops the
 * connection and is tried again after the next import; what it had
 * committed stays, and the watermark says where to go on.
 */
export class ContinuousSink {
  private client: Client | null = null;
  private running: Promise<void> | null = null;
  /** Counts the requests, so that a run sees one that came while it exported. */
  private requests = 0;
  private closed = false;

  constructor(
    private readonly db: ReadableDatabase,
    private readonly options: ContinuousSinkOptions,
  ) {}

  /** Exports after every import the importer finishes (files, uploads, a mailbox sync's batches). */
  follow(importer: ReportImporter): this {
    importer.onImported(() => this.request());
    return this;
  }

  /** Asks for an export: now, or right after the one under way. */
  request(): void {
    if (this.closed) return;
    this.requests += 1;
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no export is under way or asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Finishes the export under way (and one asked for), then closes the connection. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    await this.disconnect();
  }

  private async run(): Promise<void> {
    let served: number;
    do {
      served = this.requests;
      try {
        this.client ??= await connectSink(this.options.url);
        const progress = await exportToPostgres(this.db, this.client, { source: this.options.source });
        if (progress.reportsRead > 0) this.options.onExported?.(progress);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.options.onProblem(
          `could not export to ${redactSinkUrl(this.options.url.toString())}: ` +
            `${redactSecret(message, this.options.url)}; trying again after the next import`,
        );
        await this.disconnect();
        return;
      }
    } while (this.requests !== served);
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
