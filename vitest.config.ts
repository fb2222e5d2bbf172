import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Needs two server processes on one PostgreSQL database: the PostgreSQL run only (vitest.pg.config.ts).
    exclude: ['test/integration/pg-multinode.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
