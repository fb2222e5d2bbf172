import type { Config } from '../config.js';
import { PgStore } from './postgres/pg-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

/** The store the configuration asks for: PostgreSQL with DATABASE_URL, else the embedded SQLite file in DATA_DIR. */
export async function openStore(config: Config, warn: (message: string) => void): Promise<Store> {
  if (!config.databaseUrl) return new SqliteStore({ dataDir: config.dataDir, warn, readCacheBytes: config.readCacheMb * 1024 * 1024 });
  const store = new PgStore({ url: config.databaseUrl, readUrl: config.databaseReadUrl, poolSize: config.databasePoolSize, statementTimeoutMs: config.statementTimeoutMs, warn });
  try {
    await store.ready();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new Error(`Cannot open the PostgreSQL store at ${redacted(config.databaseUrl)}: ${(err as Error).message}`);
  }
  return store;
}

/** A connection URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}
