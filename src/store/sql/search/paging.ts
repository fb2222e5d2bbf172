// Keyset paging queries: the rows paged over (Source), the cursor and watermark conditions, the page
// query itself and the existence probes for next/previous links, as SqlSteps the backend runs.

import type { SqlDialect, SqlStep } from './backend.js';
import type { Cursor } from './cursor.js';
import type { KeyExpr, KeyValue } from './sort-keys.js';
import { and, FALSE, or, TRUE, type Frag } from './sql-fragments.js';
import { VERSION_COLUMNS } from '../version-rows.js';

/** The last version sequence number (row `m`). */
export const MAX_SEQ: SqlStep = { sql: 'SELECT coalesce(max(seq), 0) AS m FROM versions', args: [], first: true };

/**
 * Rows strictly after (or before) the cursor's position in the order `keys, rid` (or with the
 * position's own row, when the cursor says so). NULLs (no value) sort last in both directions.
 * The first key also gets a redundant plain range bound, so an index on it can serve the search.
 */
function keysetFilter(keys: KeyExpr[], c: Cursor, side: 'after' | 'before', rid = 'r.rid'): Frag {
  const alts: Frag[] = [];
  const prefix: Frag[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = c.k[i];
    alts.push(and([...prefix, beyond(k, v, side)]));
    prefix.push(v === null ? { sql: `${k.sql} IS NULL`, args: [...k.args] } : { sql: `${k.sql} = ?`, args: [...k.args, v] });
  }
  const op = side === 'after' ? (c.i ? '>=' : '>') : c.i ? '<=' : '<';
  alts.push(and([...prefix, { sql: `${rid} ${op} ?`, args: [c.r] }]));
  const keyset = or(alts);
  if (keys.length > 0 && !keys[0].nullable && c.k[0] !== null) {
    // Sargable: a first key that is a plain column (`_id`, `_lastUpdated`).
    const k = keys[0];
    const forward = side === 'after' !== k.descending;
    return and([{ sql: `${k.sql} ${forward ? '>=' : '<='} ?`, args: [...k.args, c.k[0]] }, keyset]);
  }
  return keyset;
}

/** Values of key `k` strictly beyond `v` on `side` in the order (NULLs last). */
function beyond(k: KeyExpr, v: KeyValue, side: 'after' | 'before'): Frag {
  const greater = side === 'after' !== k.descending; // beyond means a larger value
  if (side === 'after') {
    if (v === null) return FALSE; // nothing sorts after NULL
    const cmp = { sql: `${k.sql} ${greater ? '>' : '<'} ?`, args: [...k.args, v] };
    return k.nullable ? { sql: `(${cmp.sql} OR ${k.sql} IS NULL)`, args: [...cmp.args, ...k.args] } : cmp;
  }
  if (v === null) return k.nullable ? { sql: `${k.sql} IS NOT NULL`, args: [...k.args] } : TRUE;
  return { sql: `${k.sql} ${greater ? '>' : '<'} ?`, args: [...k.args, v] };
}

/**
 * Rows written after the walk's watermark are left out of later pages of an order with mutable keys:
 * an update may have moved such a row from a page already returned to one still ahead (a duplicate).
 * Unchanged rows keep their position, so they are neither repeated nor skipped.
 */
export function watermarkFilter(watermark: number | undefined): Frag {
  if (watermark === undefined) return TRUE;
  return { sql: 'r.rid NOT IN (SELECT rid FROM versions WHERE seq > ?)', args: [watermark] };
}

/**
 * The rows to page over. With keys computed by correlated subqueries (parameter sorts), the
 * matching rows and their keys are materialised first, so each key is computed once per row rather
 * than once per mention in the cursor condition; column keys stay inline (index-driven).
 */
export interface Source {
  prefix: string;
  args: unknown[];
  from: string;
  where: Frag;
  keys: KeyExpr[];
  rid: string;
  select: string;
  /** The same rows with inline keys (for existence probes). */
  inline: Source;
  /** The filter with every condition checked on the row itself (for probes of one rid). */
  row: Frag;
}

export function source(where: Frag, keys: KeyExpr[], wm: Frag, rowWhere: Frag, inline = false): Source {
  const filter = and([where, wm]);
  const row = and([rowWhere, wm]);
  const select = keys.map((k, i) => `, ${k.sql} AS k${i}`).join('');
  if (!inline && keys.some((k) => k.correlated)) {
    return {
      prefix: `WITH m AS MATERIALIZED (SELECT r.rid AS rid${select} FROM resources r WHERE ${filter.sql}) `,
      args: [...keys.flatMap((k) => k.args), ...filter.args],
      from: 'm',
      where: TRUE,
      keys: keys.map((k, i) => ({ ...k, sql: `m.k${i}`, args: [] })),
      rid: 'm.rid',
      select: keys.map((_, i) => `, m.k${i} AS k${i}`).join(''),
      inline: source(where, keys, wm, rowWhere, true),
      row,
    };
  }
  const src = { prefix: '', args: keys.flatMap((k) => k.args), from: 'resources r', where: filter, keys, rid: 'r.rid', select, row } as Source;
  src.inline = src;
  return src;
}

/**
 * The page query: each row's keys, rid and current version (the columns of version-rows.ts), so a
 * page is one statement rather than one lookup per row (measured on a reference + token page of
 * 20: 174 µs as page + 20 lookups, 95 µs joined). The page is chosen first and only its rows fetch
 * their content: joined before the LIMIT, PostgreSQL read the content of every match (85 for a
 * patient's HbA1c search, of which 21 were returned). CROSS JOIN keeps the paged rows the outer
 * loop: SQLite never reorders its operands, so the plan that finds the rows stays the plan.
 *
 * LIMIT is an integer literal, not a bound parameter: SQLite's planner reads a bound LIMIT and marks
 * the statement to be re-prepared whenever it is rebound, i.e. on every run (measured: a token
 * search page query 32 µs with `LIMIT ?`, 8.7 µs with `LIMIT 21`). Page sizes are few, so the
 * statement cache still holds them.
 */
export function pageQuery(
  dialect: SqlDialect,
  src: Source,
  cursor: Cursor | undefined,
  backward: boolean,
  limit: number,
  offset: number,
): { sql: string; args: unknown[] } {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`invalid page limit ${limit}`);
  const bound = cursor ? keysetFilter(src.keys, cursor, backward ? 'before' : 'after', src.rid) : TRUE;
  const order = src.keys
    .map((k, i) => {
      const desc = k.descending !== backward;
      // NULLs last in the real order: first when read backwards.
      const nulls = k.nullable ? (backward ? ' NULLS FIRST' : ' NULLS LAST') : '';
      return `k${i}${desc ? ' DESC' : ''}${nulls}, `;
    })
    .join('');
  const filter = and([src.where, bound]);
  // A materialised source (alias m) joins its resources row; the inline one already reads it (r).
  const rows = src.from === 'resources r' ? 'resources r' : `${src.from} ${dialect.fixedJoin} resources r ON r.rid = ${src.rid}`;
  const keys = src.keys.map((_, i) => `, r.k${i}`).join('');
  const page =
    `SELECT ${src.rid} AS rid${src.select}, r.type, r.id, r.version FROM ${rows} WHERE ${filter.sql} ` +
    `ORDER BY ${order}${src.rid}${backward ? ' DESC' : ''} LIMIT ${limit} OFFSET ?`;
  // The page's rows are named r again, so VERSION_COLUMNS reads them as it reads resources.
  return {
    sql:
      `${src.prefix}SELECT r.rid AS rid${keys}, ${VERSION_COLUMNS} ` +
      `FROM (${page}) r ${dialect.fixedJoin} versions v ON v.rid = r.rid AND v.version = r.version ` +
      `ORDER BY ${order}r.rid${backward ? ' DESC' : ''}`,
    args: [...src.args, ...filter.args, offset],
  };
}

/** The query that finds a row when `rid` is (still) among the rows paged over; undefined: it cannot be. */
export function rowMatches(page: Source, rid: number): SqlStep | undefined {
  const src = page.inline;
  const filter = and([{ sql: `${src.rid} = ?`, args: [rid] }, src.row]);
  if (filter === FALSE) return undefined;
  return { sql: `SELECT 1 AS x FROM ${src.from} WHERE ${filter.sql}`, args: filter.args, first: true };
}

/**
 * The query that finds a row beyond position `c` on `side` (undefined: none can be). Keys stay inline (not materialised): the
 * probe stops at the first row found, usually at once.
 */
export function exists(page: Source, c: Cursor, side: 'after' | 'before'): SqlStep | undefined {
  const src = page.inline;
  const filter = and([src.where, keysetFilter(src.keys, c, side, src.rid)]);
  if (filter === FALSE) return undefined;
  const args = src.prefix ? [...src.args, ...filter.args] : filter.args;
  return { sql: `${src.prefix}SELECT 1 AS x FROM ${src.from} WHERE ${filter.sql} LIMIT 1`, args, first: true };
}
