import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The clinicians' review SPA: `npm run build -w apps/viewer` writes web/dist, which the review server
// (src/server/spa.static.ts) serves at `/`. `vite --config web/vite.config.ts` serves it for UI work
// with /api proxied to a running viewer on 127.0.0.1:8081.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8081' } },
});
