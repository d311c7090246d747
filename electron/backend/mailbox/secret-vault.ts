// Where mailbox secrets live. The database never holds one in the clear:
// the desktop app seals it with the OS keychain (Electron's safeStorage, in
// the main process) and stores only the sealed bytes; elsewhere (serve mode)
// secrets are kept in memory for as long as the process runs.

export interface SecretVault {
  /** Sealed bytes to store, or null when this vault keeps the secret itself. */
  seal(name: string, secret: string): Promise<Uint8Array | null>;
  /** The secret back, or null when there is none. */
  open(name: string, sealed: Uint8Array | null): Promise<string | null>;
  forget(name: string): void;
  /** Said to the user where secrets do not survive a restart. */
  readonly persistent: boolean;
}

export class MemoryVault implements SecretVault {
  readonly persistent = false;
  private readonly secrets = new Map<string, string>();

  seal(name: string, secret: string): Promise<null> {
    this.secrets.set(name, secret);
    return Promise.resolve(null);
  }

  open(name: string): Promise<string | null> {
    return Promise.resolve(this.secrets.get(name) ?? null);
  }

  forget(name: string): void {
    this.secrets.delete(name);
  }
}
