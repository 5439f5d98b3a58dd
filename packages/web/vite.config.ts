// Build and dev server of the web console. No React plugin: esbuild compiles JSX with the
// automatic runtime, and Vite reloads the page when a component changes (CSS hot-swaps).
import { defineConfig } from 'vite';

const apiTarget = process.env.KUMO_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // The console uses only types from @kumo/api's schema modules; their TypeBox objects are
      // side-effect free, so let Rollup drop them (about a third of the entry chunk).
      treeshake: { moduleSideEffects: (id) => !/[\\/]packages[\\/]api[\\/]src[\\/]schemas[\\/]/.test(id) },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: apiTarget, ws: true, changeOrigin: false },
    },
  },
});
