import { defineConfig } from 'vitest/config';

/*
 * The second run of the suite, on PostgreSQL (test/support/pg-databases.ts gives every server and store a
 * database of its own on the cluster at TEST_PG_URL; test/support/run-pg-suite.mjs starts one). The same
 * integration tests as on SQLite, except those about SQLite internals by nature:
 *   store-checkpoint   the WAL checkpoint worker
 *   store-explain      SQLite query plans (EXPLAIN QUERY PLAN)
 *   store-migrate      SQLite's user_version migrations on a file
 *   store-index-update reads the SQLite file to count the index rows an update rewrites
 * The conformance suites (R4 examples round-trip, search parameters against the FHIRPath oracle) run
 * on both: they write through the store and read back through its search. Unit tests touch no store
 * and run once.
 */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
    exclude: [
      'test/integration/store-checkpoint.test.ts',
      'test/integration/store-explain.test.ts',
      'test/integration/store-migrate.test.ts',
      'test/integration/store-index-update.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
