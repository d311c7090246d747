import { describe, expect, it } from 'vitest';
import { answerVaultRequest, type Keychain } from '../../electron/shell/backend-client.js';

/** A stand-in keychain: reversible, and visibly not the plain text. */
const keychain: Keychain = {
  isEncryptionAvailable: () => true,
  encryptString: (plain) => Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`),
  decryptString: (sealed) => Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'hex').toString(),
};

describe('the keychain vault in main', () => {
  it('seals a secret for the backend to store, and opens it again', () => {
    const sealed = answerVaultRequest(keychain, { id: 1, op: 'seal', data: 'hunter2' });
    if (!sealed.vaultReply.ok) throw new Error(sealed.vaultReply.error);
    expect(Buffer.from(sealed.vaultReply.data, 'base64').toString()).not.toContain('hunter2');
    expect(answerVaultRequest(keychain, { id: 2, op: 'open', data: sealed.vaultReply.data })).toEqual({
      vaultReply: { id: 2, ok: true, data: 'hunter2' },
    });
  });

  it('refuses to store a secret when the OS keychain is not available', () => {
    const reply = answerVaultRequest(
      { ...keychain, isEncryptionAvailable: () => false },
      { id: 3, op: 'seal', data: 'x' },
    );
    expect(reply.vaultReply).toMatchObject({
      id: 3,
      ok: false,
      error: expect.stringMatching(/^the system keychain is not available/) as unknown,
    });
  });
});
