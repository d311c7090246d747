/**
 * What main may know about database files without opening one: how they
 * can be wrong, and how the copies made before a migration are named (so
 * the start-up dialog can offer them). Plain names, no SQLite.
 */

/**
 * What can be wrong with a database file, told apart in words with the
 * remedy, instead of a raw SqliteError with a stack trace and internal paths.
 */
export type DatabaseProblemKind =
  'not-a-database' | 'damaged' | 'disk-full' | 'read-only' | 'locked' | 'cannot-open' | 'newer-version';

export function preMigrationBackupName(file: string, version: number, stamp: string): string {
  return `${file}.schema-${version}-backup-${stamp}`;
}

/** Whether `candidate`, a file name beside the database `fileName`, is one of its pre-migration backups. */
export function isPreMigrationBackupOf(fileName: string, candidate: string): boolean {
  const prefix = `${fileName}.schema-`;
  return candidate.startsWith(prefix) && /^\d+-backup-\d{8}T\d{6}$/.test(candidate.slice(prefix.length));
}
