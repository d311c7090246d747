// Size limits for untrusted input. Reports are small (a few KiB, a few MiB
// for the largest senders); anything far larger is a mistake or an attack,
// and must not take the app's memory with it.

const MiB = 1024 * 1024;

/** Largest report document accepted, after decompression. */
export const MAX_REPORT_BYTES = 64 * MiB;

/** Largest file read at all (an e-mail with a base64 report near the cap above). */
export const MAX_INPUT_FILE_BYTES = 128 * MiB;

/** How deep forwarded messages (message/rfc822 parts) are searched for reports. */
export const MAX_EMAIL_NESTING = 3;

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
