// Vite builds the designer; in development it proxies /api to a running Flowdesk server
// (FLOWDESK_API, default http://127.0.0.1:3100; start one with `PORT=3100 ./flowdesk start`).
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const api = process.env.FLOWDESK_API ?? 'http://127.0.0.1:3100';

export default defineConfig({
  plugins: [vue()],
  server: { port: 5173, proxy: { '/api': { target: api, changeOrigin: true } } },
  build: { chunkSizeWarningLimit: 1600, sourcemap: false },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
