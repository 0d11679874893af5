import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: keep parallelism modest so timing-sensitive live tests are not starved.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
