import type { Migration } from './index.js';

/**
 * The OAuth client secret was kept in the clear inside `settings_json`, and
 * `mailboxes` returned it to anyone who could call the API. From here on the
 * vault seals it like a password or refresh token, into
 * `client_secret_encrypted`. Sealing needs the vault (the OS keychain, over
 * the desktop's port, asynchronously), which a migration's transaction cannot
 * wait for: so this moves each clear secret out of the settings into
 * `client_secret_to_seal`, which nothing returns, and the mailbox manager
 * seals and clears it the first time it runs with its vault.
 */
export const migration0007SealedClientSecrets: Migration = {
  version: 7,
  name: 'sealed-client-secrets',
  up(db) {
    db.exec(`
      ALTER TABLE mailbox_accounts ADD COLUMN client_secret_encrypted BLOB;
      ALTER TABLE mailbox_accounts ADD COLUMN client_secret_to_seal TEXT;
      UPDATE mailbox_accounts
         SET client_secret_to_seal = json_extract(settings_json, '$.oauth.clientSecret'),
             settings_json = json_set(settings_json, '$.oauth.clientSecret', json('null'))
       WHERE json_valid(settings_json)
         AND json_type(settings_json, '$.oauth.clientSecret') = 'text';
    `);
  },
};
