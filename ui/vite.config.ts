import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Relative asset paths: the gateway serves the build from its classpath at any base path.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', chunkSizeWarningLimit: 2000, sourcemap: false },
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8080', ws: true }, '/config.json': 'http://127.0.0.1:8080' } },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
