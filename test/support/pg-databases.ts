import crypto from 'node:crypto';
import pg from 'pg';

/*
 * The PostgreSQL side of the test suite: with TEST_PG_URL (an admin URL of a throw-away cluster, see
 * pg-cluster.mjs) every test server and temporary store gets a database of its own, keyed by its data
 * directory so that a restarted server finds its data again.
 */

export const testPgUrl = process.env.TEST_PG_URL || undefined;

const created = new Map<string, string>();

function withDatabase(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of the database belonging to `key` (a data directory), created on first use. */
export async function databaseFor(key: string): Promise<string> {
  if (!testPgUrl) throw new Error('TEST_PG_URL is not set');
  let name = created.get(key);
  if (!name) {
    name = `forlob_t_${crypto.createHash('sha1').update(key).digest('hex').slice(0, 16)}`;
    const db = name;
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${db}`);
    });
    created.set(key, name);
  }
  return withDatabase(testPgUrl, name);
}

/** Drop the database of `key` (its data directory is gone). */
export async function dropDatabaseFor(key: string): Promise<void> {
  const name = created.get(key);
  if (!name || !testPgUrl) return;
  created.delete(key);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
