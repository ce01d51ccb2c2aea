// The admin console: a single-page app served by the gateway under /ui/ (hashed assets in /ui/assets/).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `npm start` runs the gateway on 8080; the dev server forwards the API to it.
    proxy: { '/api': 'http://localhost:8080' },
  },
});
