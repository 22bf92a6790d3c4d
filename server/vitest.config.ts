import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One embedded Postgres for the whole run (skipped when DATABASE_URL is set).
    globalSetup: ['./src/testing/global-setup.ts'],
    testTimeout: 30_000,
    // Password hashing at a test cost (2^10); production uses 2^17 (auth/passwords.ts). Test receivers of
    // webhooks and http steps listen on 127.0.0.1, which the outbound guard refuses by default
    // (outbound-guard.test.ts turns it back off to prove that).
    env: { FLOWDESK_SCRYPT_LOG_N: '10', FLOWDESK_ALLOW_PRIVATE_OUTBOUND: '1' },
    hookTimeout: 60_000,
  },
});
