import { describe, expect, it } from 'vitest';
import { SinkUrlError, parseSinkUrl, redactSecret, redactSinkUrl } from '../../electron/backend/sink/pg-url.js';

describe('the sink URL', () => {
  it.each([
    ['postgresql://user:s3cret@db.example:5432/reports', 'postgresql://user:***@db.example:5432/reports'],
    ['postgres://user:p%40ss%2Fword@db.example/reports', 'postgres://user:***@db.example/reports'],
    ['postgresql://db.example/reports?user=u&password=s3cret', 'postgresql://db.example/reports?user=u&password=***'],
    ['postgresql://user@db.example/reports', 'postgresql://user@db.example/reports'],
    // Not a URL at all: the password before the host is hidden still.
    ['postgresql://user:s3cret@[bad/reports', 'postgresql://user:***@[bad/reports'],
    ['host=db password=s3cret', 'host=db password=***'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactSinkUrl(url)).toBe(shown);
  });

  it('hides the password wherever a message repeats it, encoded or not', () => {
    const url = parseSinkUrl('postgresql://user:p%40ss@db.example/reports');
    expect(redactSecret('auth failed for p@ss (p%40ss)', url)).toBe('auth failed for *** (***)');
  });

  it.each([
    ['mysql://user:s3cret@db.example/x', /is not a PostgreSQL URL/],
    ['db.example/reports', /is not a URL/],
    ['postgresql:///reports', /names no host/],
  ])('refuses %s in words, without its password', (url, message) => {
    expect(() => parseSinkUrl(url)).toThrow(SinkUrlError);
    expect(() => parseSinkUrl(url)).toThrow(message);
    try {
      parseSinkUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('takes a Unix socket folder as ?host=', () => {
    expect(parseSinkUrl('postgresql:///reports?host=/run/postgresql').searchParams.get('host')).toBe('/run/postgresql');
  });
});
