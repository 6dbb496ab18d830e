import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests that get a real
// database (see test/global-setup.ts for how it is chosen).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          // Every answer from a documented route is checked against the OpenAPI document.
          setupFiles: ['test/helpers/contract-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
