// The resilience suite (`npm run test:chaos`): slower tests that inject provider faults
// and kill server processes, each printing its figures. Kept out of `npm test`.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/chaos/**/*.chaos.ts'],
      testTimeout: 300_000,
      // One at a time: they measure the machine they run on.
      fileParallelism: false,
    },
  }),
);
