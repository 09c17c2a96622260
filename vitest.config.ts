import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One embedded database created for the run, which test files copy: see test/README.md.
    globalSetup: ['test/support/embeddedTemplateSetup.ts'],
    // Several times the longest durations seen on a busy 2-core machine (load 13): a test 197 s
    // (the embedded CLI life cycle), a hook about 60 s. A correct test must not fail for being slow;
    // speed is measured by benchmarks, never by a timeout. See test/README.md.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // Each file works in a database of its own, so files may run side by side.
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
  },
});
