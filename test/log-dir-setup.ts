import fs from 'node:fs';

// The log scan runs last; after it, the run's log directory (vitest.config.ts) can go.
export default function setup() {
  return () => {
    const dir = process.env.REGISTRY_TEST_LOG_DIR;
    if (dir && process.env.REGISTRY_TEST_LOG_DIR_TEMPORARY === 'true') fs.rmSync(dir, { recursive: true, force: true });
  };
}
