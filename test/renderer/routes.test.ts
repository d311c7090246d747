import { describe, expect, it } from 'vitest';
import { documentTitle, mxHostLink, senderLink } from '../../renderer/src/routes.js';

describe('the window title', () => {
  it('names a sender as it is written, not as its link encodes it', () => {
    expect(senderLink('Google Inc.')).toBe('/senders/Google%20Inc.');
    expect(documentTitle(senderLink('Google Inc.'))).toBe('Sender Google Inc. · tlsrpt-viewer');
    expect(documentTitle(senderLink('Ä/ö 100%'))).toBe('Sender Ä/ö 100% · tlsrpt-viewer');
    expect(documentTitle(mxHostLink('mx1.example.com'))).toBe('MX host mx1.example.com · tlsrpt-viewer');
    expect(documentTitle(mxHostLink(null))).toBe('MX host (none named) · tlsrpt-viewer');
  });

  it('keeps a path that is no valid encoding as it is', () => {
    expect(documentTitle('/senders/100%')).toBe('Sender 100% · tlsrpt-viewer');
    expect(documentTitle('/nowhere/at/all')).toBe('Not found · tlsrpt-viewer');
  });
});
