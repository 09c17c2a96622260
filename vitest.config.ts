import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Each file works in a database of its own, so files may run side by side.
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
  },
});
