// The sink's PostgreSQL URL: checked before connecting, and shown only with its password hidden.

/** A sink URL that cannot be used, said in words (without its password). */
export class SinkUrlError extends Error {
  override name = 'SinkUrlError';
}

const SCHEMES = new Set(['postgresql:', 'postgres:']);

/** Parses and checks a postgresql:// URL; the password, if any, stays in it for the driver. */
export function parseSinkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SinkUrlError(`"${redactSinkUrl(text)}" is not a URL; write postgresql://[USER@]HOST[:PORT]/DATABASE`);
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new SinkUrlError(
      `${redactSinkUrl(text)} is not a PostgreSQL URL (it starts with ${url.protocol}//); ` +
        'write postgresql://[USER@]HOST[:PORT]/DATABASE',
    );
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new SinkUrlError(`${redactSinkUrl(text)} names no host; write postgresql://[USER@]HOST[:PORT]/DATABASE`);
  }
  return url;
}

/**
 * The URL with its password replaced by `***`, for every message, log line
 * and output: also for text that is not a valid URL, and for a password
 * given as a query parameter.
 */
export function redactSinkUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (key.toLowerCase() === 'password') url.searchParams.set(key, '***');
    }
    return url.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    // user:secret@ before the host, however malformed the rest is.
    return text.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@').replace(/(password=)[^&]*/gi, '$1***');
  }
}

/** A message (a driver error, say) with every occurrence of the URL's password replaced by `***`. */
export function redactSecret(message: string, url: URL): string {
  const secrets = [url.password, decoded(url.password), url.searchParams.get('password') ?? ''];
  let redacted = message;
  for (const secret of secrets) {
    if (secret.length > 0) redacted = redacted.replaceAll(secret, '***');
  }
  return redacted;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
