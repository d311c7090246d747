// The error findings already notified (migration 0005): read and settled one
// domain at a time by the notifier (electron/backend/notify/).
import type Database from 'better-sqlite3';
import { prepared, type ReadableDatabase, type WritableDatabase } from './database.js';

/** One domain's change: the findings now notified, and the keys of those no longer raised. */
export interface NotifiedChange {
  added: NotifiedFinding[];
  gone: string[];
}

export interface NotifiedFinding {
  key: string;
  domain: string;
  code: string;
}

/** The keys of the findings of `domain` already notified. */
export function notifiedFindingKeys(db: ReadableDatabase, domain: string): string[] {
  return prepared(db, 'SELECT finding_key FROM notified_findings WHERE domain = ?').pluck().all(domain) as string[];
}

/**
 * Writes what the notifier decided, for several domains in one transaction:
 * the findings now notified are added, and those of the same domains that are
 * no longer raised are forgotten, so that a host which recovers and breaks
 * again is news again. Statements are prepared once per handle.
 */
export class NotifiedFindingsWriter {
  private readonly add: Database.Statement;
  private readonly forget: Database.Statement;
  private readonly settleAll: (changes: readonly NotifiedChange[], at: number) => void;

  constructor(db: WritableDatabase) {
    this.add = db.prepare(
      `INSERT INTO notified_findings (finding_key, domain, code, notified_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (finding_key) DO NOTHING`,
    );
    this.forget = db.prepare('DELETE FROM notified_findings WHERE finding_key = ?');
    this.settleAll = db.transaction((changes: readonly NotifiedChange[], at: number) => {
      for (const change of changes) {
        for (const key of change.gone) this.forget.run(key);
        for (const finding of change.added) this.add.run(finding.key, finding.domain, finding.code, at);
      }
    });
  }

  settle(changes: readonly NotifiedChange[], at = Date.now()): void {
    if (changes.length > 0) this.settleAll(changes, Math.floor(at / 1000));
  }
}
