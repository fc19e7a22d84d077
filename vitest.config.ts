import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (test/unit: the pure core, no Java, no DynamoDB Local; `npm run test:unit`) and
 * `integration` (everything else, against the one DynamoDB Local the global setup starts). `npm test`
 * runs both.
 */
export default defineConfig({
  test: {
    setupFiles: ['test/setup/env.ts'],
    // Generous: the CDK synth and cloud-assembly files run ~150 functions' worth of work on 2 shared cores.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    env: { LOG_LEVEL: 'warn' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/unit/**'], globalSetup: ['test/setup/global.ts'] } },
    ],
  },
});
