import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { META_CONTENT_SECURITY_POLICY } from './shared/security.js';

/** Puts the app's Content-Security-Policy into index.html, so it holds even where no server sends headers. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'tlsrpt-content-security-policy',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CONTENT_SECURITY_POLICY },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}

export default defineConfig({
  root: 'renderer',
  // Relative asset URLs: the same build loads from serve mode and from the desktop app's own protocol.
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Vite inlines small assets as data: URLs; keep scripts as files for script-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // A local app: one bundle loaded from disk or loopback, not over a network.
    chunkSizeWarningLimit: 1500,
  },
});
