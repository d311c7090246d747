import type { Migration } from './index.js';

/**
 * A report's page reads each policy's failure details by `policy_rowid`.
 * Migration 0003 dropped the index on it (the rollups answered the views
 * that used it), so each policy scanned all its report's details through
 * `failure_details_by_report`: a 583 KB report of 10,000 policies and
 * 100,000 details took over 5 minutes (56 ms a policy). With this index each
 * policy's details are one seek, already in id order (the rowid ends every
 * index entry).
 */
export const migration0006DetailsByPolicy: Migration = {
  version: 6,
  name: 'details-by-policy',
  up(db) {
    db.exec('CREATE INDEX failure_details_by_policy ON failure_details (policy_rowid)');
  },
};
