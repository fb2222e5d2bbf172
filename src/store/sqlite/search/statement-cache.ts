// Prepared statement cache per database (plans repeat; preparing costs more than running a simple search).

import type { Database, Statement } from 'better-sqlite3';

const MAX_CACHED = 500;
const statementCaches = new WeakMap<Database, Map<string, Statement>>();

export function cached(db: Database, sql: string): Statement {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (stmt) {
    // Refresh recency.
    cache.delete(sql);
    cache.set(sql, stmt);
    return stmt;
  }
  stmt = db.prepare(sql);
  cache.set(sql, stmt);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return stmt;
}
