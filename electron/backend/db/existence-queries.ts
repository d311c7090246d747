// Whether a name the UI was given (a link, a typed address) is known at all,
// over every stored report: a page for a sender or MX host no report names
// says "not found", where one merely quiet in the chosen range says so.
import { prepared, type ReadableDatabase } from './database.js';
import { ALL_TIME_ROWS } from './rollups.js';

/** Whether any stored report is from this organization (its all-time rollup row, by primary key). */
export function isKnownSender(db: ReadableDatabase, organization: string): boolean {
  return (
    prepared(db, `SELECT 1 FROM rollup_senders WHERE ${ALL_TIME_ROWS} AND organization = ?`)
      .pluck()
      .get(organization) !== undefined
  );
}

/** Whether any failure detail names this receiving MX host (through the index that leads with the host). */
export function isKnownMxHost(db: ReadableDatabase, mx: string): boolean {
  return (
    prepared(db, 'SELECT 1 FROM failure_details WHERE receiving_mx_hostname = ? LIMIT 1').pluck().get(mx) !== undefined
  );
}
