import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The dashboard: web/ → dist/web/, served by `plexus up` (src/rpc/dashboardServer.ts).
// Contract ABIs come from the Solidity build (dist/contracts), so the build runs after it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: { '@artifacts': fileURLToPath(new URL('../dist/contracts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
})
