import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // pg-*: about PostgreSQL itself (several nodes on one database, the database going away): the PostgreSQL run only.
    exclude: ['test/integration/pg-*.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
