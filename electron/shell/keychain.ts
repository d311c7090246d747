import type { VaultReply, VaultRequest } from './backend-client.js';

/**
 * Main's side of the vault: Electron's safeStorage. Its synchronous calls are
 * deprecated in Electron 45 and can block the window's process while the OS
 * asks to unlock a keychain, so only the asynchronous ones are used.
 */
export interface Keychain {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(sealed: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

/**
 * The tag Chromium's OSCrypt puts in front of a ciphertext sealed with its
 * fixed, published key. On Linux the asynchronous encryptor falls back to it
 * (PosixKeyProvider, "v10") whenever the Secret Service or KWallet fails, and
 * still says encryption is available; a real keyring's key gives "v11"
 * (FreedesktopSecretKeyProvider). On macOS (Keychain) and Windows (DPAPI)
 * "v10" is the keychain's own key, so only Linux is judged by it.
 * safeStorage.getSelectedStorageBackend() cannot tell: it describes the
 * synchronous store, which picks its backend by another rule.
 */
const LINUX_FIXED_KEY_TAG = 'v10';

function isSealedWithFixedKey(sealed: Buffer, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && sealed.subarray(0, 3).toString('latin1') === LINUX_FIXED_KEY_TAG;
}

export const FIXED_KEY_REFUSAL =
  'the system keychain is not available: Electron fell back to Chromium’s fixed, publicly known key, which does not ' +
  'protect the password, so it cannot be stored safely. Start tlsrpt-viewer with --password-store=gnome-libsecret ' +
  '(GNOME Keyring, KeePassXC and other Secret Service keyrings) or --password-store=kwallet5 (KDE; kwallet6 on ' +
  'Plasma 6), with that keyring running and unlocked, and try again';

export const KEYCHAIN_UNAVAILABLE =
  'the system keychain is not available, so the password cannot be stored safely; unlock or set up the keychain and try again';

/**
 * Seals or opens one secret for the backend. What is refused is decided
 * from the ciphertext the encryptor actually produced, never from what
 * Electron says it would use. An opened secret whose key was rotated (or
 * that a better keyring can now protect) comes back re-sealed, for the
 * backend to store in place of the old bytes.
 */
export async function answerVaultRequest(
  keychain: Keychain,
  request: VaultRequest['vault'],
  platform: NodeJS.Platform = process.platform,
): Promise<VaultReply> {
  const refuse = (error: string): VaultReply => ({ vaultReply: { id: request.id, ok: false, error } });
  try {
    if (!(await keychain.isAsyncEncryptionAvailable())) return refuse(KEYCHAIN_UNAVAILABLE);
    if (request.op === 'seal') {
      const sealed = await keychain.encryptStringAsync(request.data);
      if (isSealedWithFixedKey(sealed, platform)) return refuse(FIXED_KEY_REFUSAL);
      return { vaultReply: { id: request.id, ok: true, data: sealed.toString('base64') } };
    }
    const opened = await keychain.decryptStringAsync(Buffer.from(request.data, 'base64'));
    if (!opened.shouldReEncrypt) return { vaultReply: { id: request.id, ok: true, data: opened.result } };
    const resealed = await keychain.encryptStringAsync(opened.result);
    return {
      vaultReply: isSealedWithFixedKey(resealed, platform)
        ? { id: request.id, ok: true, data: opened.result }
        : { id: request.id, ok: true, data: opened.result, resealed: resealed.toString('base64') },
    };
  } catch (error) {
    return refuse(`the keychain refused: ${error instanceof Error ? error.message : String(error)}`);
  }
}
