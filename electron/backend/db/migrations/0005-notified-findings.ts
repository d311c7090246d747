import type { Migration } from './index.js';

/**
 * The error findings already notified (desktop, webhook, e-mail), so that a
 * finding is announced once, not on every import or sync batch, and not again
 * after a restart. A finding is known by `findingKey` (shared/health/
 * findings.ts: code, domain, MX host, sender, result type), which stays the
 * same while its dates and counts move; the domain is kept beside it because
 * the check reads and settles one domain at a time.
 */
export const migration0005NotifiedFindings: Migration = {
  version: 5,
  name: 'notified-findings',
  up(db) {
    db.exec(`
      CREATE TABLE notified_findings (
        finding_key TEXT PRIMARY KEY,
        domain TEXT NOT NULL,
        code TEXT NOT NULL,
        notified_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX notified_findings_by_domain ON notified_findings (domain);
    `);
  },
};
