import { describe, expect, it } from 'vitest';
import { reportPathsFromArgv } from '../../electron/shell/opened-files.js';

describe('the files a command line names', () => {
  it('skips the program, switches and URLs other than file://, and resolves relative paths', () => {
    expect(
      reportPathsFromArgv(
        [
          '/usr/lib/electron/electron',
          '/app',
          '--no-sandbox',
          '-v',
          'reports/a.json.gz',
          '/abs/b.eml',
          'file:///tmp/with%20space.json',
          'https://example.com/c.json',
          'mailto:someone@example.com',
          '',
        ],
        '/home/me',
        2,
      ),
    ).toEqual(['/home/me/reports/a.json.gz', '/abs/b.eml', '/tmp/with space.json']);
  });

  it('skips only the executable in a packaged app, and a file:// URL of another host', () => {
    expect(reportPathsFromArgv(['/opt/app/tlsrpt-viewer', 'x.json', 'file://server/share/y.json'], '/w', 1)).toEqual([
      '/w/x.json',
    ]);
  });
});
