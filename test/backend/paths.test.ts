import { describe, expect, it } from 'vitest';
import { resolveDatabasePath, userDataFolder } from '../../electron/backend/paths.js';

describe('the default database location', () => {
  it('matches Electron’s userData folder on each platform', () => {
    expect(userDataFolder({}, 'linux', '/home/pm')).toBe('/home/pm/.config/tlsrpt-viewer');
    expect(userDataFolder({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/pm')).toBe('/cfg/tlsrpt-viewer');
    expect(userDataFolder({ XDG_CONFIG_HOME: '' }, 'linux', '/home/pm')).toBe('/home/pm/.config/tlsrpt-viewer');
    expect(userDataFolder({}, 'darwin', '/Users/pm')).toBe('/Users/pm/Library/Application Support/tlsrpt-viewer');
    expect(userDataFolder({ APPDATA: 'C:/Users/pm/AppData/Roaming' }, 'win32', 'C:/Users/pm')).toMatch(
      /^C:\/Users\/pm\/AppData\/Roaming[/\\]tlsrpt-viewer$/,
    );
  });

  it('prefers --db, then $TLSRPT_DB', () => {
    expect(resolveDatabasePath('/x.sqlite', { TLSRPT_DB: '/y.sqlite' })).toBe('/x.sqlite');
    expect(resolveDatabasePath(undefined, { TLSRPT_DB: '/y.sqlite' })).toBe('/y.sqlite');
    expect(resolveDatabasePath(undefined, { XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/tlsrpt-viewer/reports.sqlite');
  });
});
