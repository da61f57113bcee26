import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const gateway = process.env.ODYSSEY_GATEWAY ?? '127.0.0.1:8080';

// Relative asset paths (base './'): the gateway serves the build from its classpath, at any base path.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // MapLibre's worker ships as .mjs; the gateway (Undertow) has no MIME type for .mjs, and browsers refuse a
        // worker script that is not served as JavaScript, so it goes out as .js.
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith('.mjs')) ? 'assets/[name]-[hash].js' : 'assets/[name]-[hash][extname]',
        // MapLibre in its own long-cacheable chunk, apart from the app's code.
        codeSplitting: { groups: [{ name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ }] },
      },
    },
  },
  // `npm run dev` proxies to a gateway (default 127.0.0.1:8080, as `./odyssey up` starts it).
  server: {
    proxy: {
      '/ws': { target: `ws://${gateway}`, ws: true },
      '/api': `http://${gateway}`,
      '/config.json': `http://${gateway}`,
      '/metrics': `http://${gateway}`,
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
