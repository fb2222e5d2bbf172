// The search catalogue (store/sql/search/backend.ts) on SQLite: parameter ids, date statistics and the
// selectivity probes, read synchronously on the connection the search runs on.

import type { Database } from 'better-sqlite3';
import type { DateStatsRow, SearchCatalog } from '../../sql/search/backend.js';
import { PROBE_TTL } from '../../sql/search/selectivity.js';
import type { ParamIds } from '../param-ids.js';
import { cached } from './statement-cache.js';

const probeCaches = new WeakMap<Database, Map<string, { n: number; at: number }>>();

export class SqliteCatalog implements SearchCatalog {
  constructor(
    private readonly db: Database,
    private readonly params: ParamIds,
  ) {}

  pid(type: string, code: string): number | undefined {
    return this.params.lookup(this.db, type, code);
  }

  pidsOfCode(code: string): { pid: number; type: string }[] {
    return cached(this.db, 'SELECT pid, type FROM search_param WHERE code = ?').all(code) as { pid: number; type: string }[];
  }

  dateStats(pid: number): DateStatsRow | undefined {
    const row = cached(this.db, 'SELECT max_rows, min_span, max_span, open FROM date_stats WHERE pid = ?').get(pid) as
      | { max_rows: number; min_span: number; max_span: number; open: number }
      | undefined;
    return row && { maxRows: row.max_rows, minSpan: row.min_span, maxSpan: row.max_span, open: row.open !== 0 };
  }

  /** `sql` (a `SELECT count(*) AS n ...`), its result reused for `ttl` ms. */
  probe(sql: string, args: unknown[], ttl = PROBE_TTL): number {
    let cache = probeCaches.get(this.db);
    if (!cache) probeCaches.set(this.db, (cache = new Map()));
    const key = `${sql}\u0000${JSON.stringify(args)}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < ttl) return hit.n;
    const n = (cached(this.db, sql).get(...args) as { n: number }).n;
    cache.delete(key);
    cache.set(key, { n, at: now });
    if (cache.size > 2000) cache.delete(cache.keys().next().value as string);
    return n;
  }
}
