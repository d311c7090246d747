import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { META_CONTENT_SECURITY_POLICY } from './shared/security.js';

/** Puts the app's Content-Security-Policy into index.html, so it holds even where no server sends headers. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'tlsrpt-content-security-policy',
    // The dev server's hot reload runs an inline script and a websocket that this policy refuses: build only.
    apply: 'build',
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

/**
 * `npm run dev` (build/dev.mjs): the backend is a `tlsrpt serve` on loopback.
 * Serve mode answers API calls only from its own origin (against cross-site
 * requests), so the proxy presents them as from there: Host by changeOrigin,
 * Origin here.
 */
const devBackend = process.env['TLSRPT_DEV_BACKEND'] ?? 'http://127.0.0.1:8462';

export default defineConfig({
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api/': {
        target: devBackend,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (request) => {
            if (request.getHeader('origin') !== undefined) request.setHeader('origin', devBackend);
          });
        },
      },
    },
  },
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
