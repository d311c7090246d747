// Migration 0007: clear OAuth client secrets leave the settings for the vault.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest, schemaVersion } from '../../../electron/backend/db/migrations/index.js';

const settings = (clientSecret: string | null, auth = 'oauth2'): string =>
  JSON.stringify({
    name: 'x',
    auth,
    oauth: { provider: 'google', clientId: 'id', clientSecret, tenant: null, issuer: null, scope: null },
  });

describe('migration 0007 (sealed client secrets)', () => {
  it('moves each clear client secret out of settings_json and leaves everything else as it was', () => {
    const db = new Database(':memory:');
    migrateToLatest(db, MIGRATIONS.slice(0, 6));
    const insert = db.prepare(
      'INSERT INTO mailbox_accounts (name, settings_json, secret_encrypted, created_at, updated_at) VALUES (?, ?, ?, 1, 1)',
    );
    insert.run('with', settings('GOCSPX-clear-secret'), Buffer.from([1, 2, 3]));
    insert.run('without', settings(null), null);
    insert.run('password', JSON.stringify({ name: 'password', auth: 'password' }), null);
    migrateToLatest(db, MIGRATIONS.slice(0, 7));
    expect(schemaVersion(db)).toBe(7);
    const rows = db
      .prepare(
        'SELECT name, settings_json AS settings, secret_encrypted AS sealed, client_secret_encrypted AS clientSealed, client_secret_to_seal AS toSeal FROM mailbox_accounts ORDER BY name',
      )
      .all() as {
      name: string;
      settings: string;
      sealed: Buffer | null;
      clientSealed: Buffer | null;
      toSeal: string | null;
    }[];
    expect(rows.map((row) => [row.name, row.toSeal, row.clientSealed])).toEqual([
      ['password', null, null],
      ['with', 'GOCSPX-clear-secret', null],
      ['without', null, null],
    ]);
    for (const row of rows) expect(row.settings).not.toContain('GOCSPX');
    expect(JSON.parse(rows[1]?.settings ?? '{}')).toEqual(JSON.parse(settings(null)));
    expect(JSON.parse(rows[0]?.settings ?? '{}')).toEqual({ name: 'password', auth: 'password' });
    expect(rows[1]?.sealed).toEqual(Buffer.from([1, 2, 3]));
    db.close();
  });
});
