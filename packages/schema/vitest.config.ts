import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests share no mutable state; reusing workers saves compiling the ajv schemas per file.
    isolate: false,
  },
});
