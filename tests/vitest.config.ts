import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['crash/**/*.test.ts'],
    testTimeout: 540_000,
    hookTimeout: 120_000,
    // The crash test drives child processes and its own Postgres: keep its output readable.
    reporters: ['verbose'],
    // The crash test's webhook receiver listens on 127.0.0.1, which the outbound guard refuses by default.
    env: { FLOWDESK_ALLOW_PRIVATE_OUTBOUND: '1' },
  },
});
