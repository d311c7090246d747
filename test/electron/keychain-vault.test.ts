import { describe, expect, it } from 'vitest';
import { answerVaultRequest, FIXED_KEY_REFUSAL, KEYCHAIN_UNAVAILABLE } from '../../electron/shell/keychain.js';
import { createFakeSafeStorage, type KeychainState } from './fake-electron.js';

/** Electron 45's safeStorage after ready, over the keychain a test names. */
const safeStorage = (keychain: KeychainState, platform: NodeJS.Platform = 'linux') =>
  createFakeSafeStorage(platform, keychain, () => true);

async function seal(keychain: KeychainState, platform: NodeJS.Platform = 'linux') {
  return (await answerVaultRequest(safeStorage(keychain, platform), { id: 1, op: 'seal', data: 'hunter2' }, platform))
    .vaultReply;
}

describe('the keychain vault in main', () => {
  it('seals a secret with the Linux keyring (v11) for the backend to store, and opens it again', async () => {
    const sealed = await seal('keyring');
    if (!sealed.ok) throw new Error(sealed.error);
    const bytes = Buffer.from(sealed.data, 'base64');
    expect(bytes.subarray(0, 3).toString()).toBe('v11');
    expect(bytes.toString('latin1')).not.toContain('hunter2');
    const opened = await answerVaultRequest(safeStorage('keyring'), { id: 2, op: 'open', data: sealed.data }, 'linux');
    expect(opened).toEqual({ vaultReply: { id: 2, ok: true, data: 'hunter2' } });
  });

  it('refuses what the encryptor sealed with the fixed key (v10) on Linux, although the synchronous store names a keyring', async () => {
    const storage = safeStorage('keyring-failed');
    expect(storage.getSelectedStorageBackend()).toBe('gnome_libsecret');
    expect(await storage.isAsyncEncryptionAvailable()).toBe(true);
    expect((await storage.encryptStringAsync('x')).subarray(0, 3).toString()).toBe('v10');
    const reply = await seal('keyring-failed');
    expect(reply).toEqual({ id: 1, ok: false, error: FIXED_KEY_REFUSAL });
    expect(FIXED_KEY_REFUSAL).toContain('--password-store=gnome-libsecret');
    expect(FIXED_KEY_REFUSAL).toContain('--password-store=kwallet5');
    expect((await seal('no-keyring')).ok).toBe(false);
  });

  it('accepts a working keyring on a desktop the synchronous store does not recognise (basic_text)', async () => {
    expect(safeStorage('bare-wm-keyring').getSelectedStorageBackend()).toBe('basic_text');
    expect(await seal('bare-wm-keyring')).toMatchObject({ ok: true });
  });

  it('accepts v10 on macOS and Windows, where it is the Keychain’s and DPAPI’s own key', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const sealed = await seal('keyring', platform);
      expect(sealed, platform).toMatchObject({ ok: true });
      if (sealed.ok) expect(Buffer.from(sealed.data, 'base64').subarray(0, 3).toString()).toBe('v10');
    }
  });

  it('re-seals a secret the keychain asks to seal again (shouldReEncrypt), but never with the fixed key', async () => {
    // Sealed while the keyring failed (by a version that did not check), opened once it works.
    const old = (await safeStorage('keyring-failed').encryptStringAsync('hunter2')).toString('base64');
    const reply = (await answerVaultRequest(safeStorage('keyring'), { id: 3, op: 'open', data: old }, 'linux'))
      .vaultReply;
    if (!reply.ok || reply.resealed === undefined) throw new Error(`not re-sealed: ${JSON.stringify(reply)}`);
    expect(reply.data).toBe('hunter2');
    expect(Buffer.from(reply.resealed, 'base64').subarray(0, 3).toString()).toBe('v11');
    const again = await answerVaultRequest(
      safeStorage('keyring'),
      { id: 4, op: 'open', data: reply.resealed },
      'linux',
    );
    expect(again.vaultReply).toEqual({ id: 4, ok: true, data: 'hunter2' });
    // With the keyring still failing, the old bytes open and are not replaced.
    const stillFailing = await answerVaultRequest(safeStorage('keyring-failed'), { id: 5, op: 'open', data: old });
    expect(stillFailing.vaultReply).toEqual({ id: 5, ok: true, data: 'hunter2' });
  });

  it('refuses to store a secret when the OS keychain is not available', async () => {
    expect(await seal('unavailable')).toEqual({ id: 1, ok: false, error: KEYCHAIN_UNAVAILABLE });
  });

  it('passes on what the keychain refused', async () => {
    const refusing = { ...safeStorage('keyring'), encryptStringAsync: () => Promise.reject(new Error('user denied')) };
    expect((await answerVaultRequest(refusing, { id: 6, op: 'seal', data: 'x' })).vaultReply).toEqual({
      id: 6,
      ok: false,
      error: 'the keychain refused: user denied',
    });
  });
});
