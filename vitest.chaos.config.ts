// The resilience suite (`npm run test:chaos`): slower tests that inject provider faults
// and kill server processes, each printing its figures. Kept out of `npm test`.
// Spread, not mergeConfig: merging would append these files to the base `include`
// and run the whole suite again.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 300_000,
    // One at a time: they measure the machine they run on.
    fileParallelism: false,
  },
});
