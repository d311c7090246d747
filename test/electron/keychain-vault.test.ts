import { describe, expect, it } from 'vitest';
import { answerVaultRequest, type Keychain } from '../../electron/shell/backend-client.js';

/** A stand-in keychain with Electron 45's asynchronous safeStorage calls: reversible, and visibly not the plain text. */
function keychain(backend = 'gnome_libsecret', available = true): Keychain {
  return {
    isAsyncEncryptionAvailable: () => Promise.resolve(available),
    encryptStringAsync: (plain) => Promise.resolve(Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`)),
    decryptStringAsync: (sealed) =>
      Promise.resolve({
        result: Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'hex').toString(),
        shouldReEncrypt: false,
      }),
    getSelectedStorageBackend: () => backend,
  };
}

describe('the keychain vault in main', () => {
  it('seals a secret for the backend to store, and opens it again', async () => {
    const sealed = await answerVaultRequest(keychain(), { id: 1, op: 'seal', data: 'hunter2' }, 'linux');
    if (!sealed.vaultReply.ok) throw new Error(sealed.vaultReply.error);
    expect(Buffer.from(sealed.vaultReply.data, 'base64').toString()).not.toContain('hunter2');
    expect(await answerVaultRequest(keychain(), { id: 2, op: 'open', data: sealed.vaultReply.data }, 'linux')).toEqual({
      vaultReply: { id: 2, ok: true, data: 'hunter2' },
    });
  });

  it('refuses to store a secret when the OS keychain is not available', async () => {
    const reply = await answerVaultRequest(keychain('gnome_libsecret', false), { id: 3, op: 'seal', data: 'x' });
    expect(reply.vaultReply).toMatchObject({
      id: 3,
      ok: false,
      error: expect.stringMatching(/^the system keychain is not available/) as unknown,
    });
  });

  it('refuses basic_text on Linux, where Electron says encryption is available but nothing protects the key', async () => {
    const reply = await answerVaultRequest(keychain('basic_text'), { id: 4, op: 'seal', data: 'x' }, 'linux');
    expect(reply.vaultReply.ok).toBe(false);
    expect(reply.vaultReply).toMatchObject({ error: expect.stringContaining('--password-store=') as unknown });
    // macOS and Windows have no such fallback; the Linux-only call is not asked there.
    const mac = await answerVaultRequest(
      { ...keychain(), getSelectedStorageBackend: () => Promise.reject(new Error('linux only')) as never },
      { id: 5, op: 'seal', data: 'x' },
      'darwin',
    );
    expect(mac.vaultReply.ok).toBe(true);
  });

  it('passes on what the keychain refused', async () => {
    const refusing: Keychain = { ...keychain(), encryptStringAsync: () => Promise.reject(new Error('user denied')) };
    expect((await answerVaultRequest(refusing, { id: 6, op: 'seal', data: 'x' })).vaultReply).toEqual({
      id: 6,
      ok: false,
      error: 'the keychain refused: user denied',
    });
  });
});
