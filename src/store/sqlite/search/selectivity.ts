// Driver selection support: how a filter is compiled (FilterMode), driving candidates, which conditions
// can drive, and cached selectivity probes (counts bounded by CAP) that steer the plan.

import type { Database } from 'better-sqlite3';
import type { Condition } from '../../../search/plan.js';
import type { Frag } from './sql-fragments.js';
import { cached } from './statement-cache.js';

/** Estimates count index rows up to this many (see Compiler.estimate). */
export const CAP = 2000;
/** How long a probe's count is reused (ms); an estimate only steers the plan, never the result. */
const PROBE_TTL = 10_000;
export const TYPE_COUNT_TTL = 60_000;

/** How a filter is compiled (see Compiler.resourceFilter). */
export type FilterMode = { kind: 'all' } | { kind: 'page'; rows: number } | { kind: 'row' };

/** A condition (or several date conditions on one row) that could drive the search. */
export interface Candidate {
  conditions: Condition[];
  frag(alias: string): Frag;
  estimate(): number;
  est?: number;
}

const probeCaches = new WeakMap<Database, Map<string, { n: number; at: number }>>();

/** `sql` (a `SELECT count(*) AS n ...`), its result reused for `ttl` ms. */
export function probe(db: Database, sql: string, args: unknown[], ttl = PROBE_TTL): number {
  let cache = probeCaches.get(db);
  if (!cache) probeCaches.set(db, (cache = new Map()));
  const key = `${sql}\u0000${JSON.stringify(args)}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < ttl) return hit.n;
  const n = (cached(db, sql).get(...args) as { n: number }).n;
  cache.delete(key);
  cache.set(key, { n, at: now });
  if (cache.size > 2000) cache.delete(cache.keys().next().value as string);
  return n;
}

/** Whether a condition can drive a search (see resourceFilter): positive index conditions. */
export function drives(c: Condition): boolean {
  switch (c.kind) {
    case 'id':
    case 'lastUpdated':
      return false;
    case 'token':
      return !c.not;
    case 'missing':
      return !c.missing;
    case 'anyOf':
      return c.alternatives.length > 0 && c.alternatives.every(drives);
    default:
      return true;
  }
}
