import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { badRequest } from '../../fhir/errors.js';
import { escapeLike, foldString, MAX_CHAR, MAX_DATE, MIN_DATE } from '../../search/normalize.js';
import type {
  CompositeMatch,
  Condition,
  DateRange,
  IndexTable,
  NumberMatch,
  QuantityMatch,
  ReferenceMatch,
  SearchPage,
  SearchPlan,
  SortKey,
  StringMatch,
  TokenMatch,
  UriMatch,
} from '../../search/plan.js';
import type { StoredVersion, WriteMethod } from '../types.js';
import type { ParamIds } from './param-ids.js';

/**
 * Compiles a SearchPlan to SQL over the index tables (schema.ts) and runs it.
 *
 * Shape: `SELECT r.rid FROM resources r WHERE r.deleted = 0 AND r.type ... AND <conditions>
 * ORDER BY <sort keys>, r.rid LIMIT ? OFFSET ?`, then each page row's current version is read by rid.
 * Every index condition is `r.rid IN (SELECT rid FROM idx_x WHERE pid = ? AND ...)` (uncorrelated, so
 * SQLite materialises it once; `EXISTS` with ORDER BY forced full scans). Negations (`:not`,
 * `:missing=true`) are `NOT IN`. A parameter that was never indexed for the searched types (no pid)
 * makes a positive condition false and a negative one true.
 *
 * Date prefixes (FHIR R4 search.html, resource range R = [lo, hi), search range S = [lo, hi)):
 *   eq: R within S; ne: not eq; gt: R.hi > S.hi; lt: R.lo < S.lo; ge: gt or eq; le: lt or eq;
 *   sa: R.lo >= S.hi; eb: R.hi <= S.lo;
 *   ap: R overlaps S widened on both sides by 10% of the distance from S's midpoint to now
 *       (at least one day).
 * `ne` and the others are evaluated per index row: a resource matches when one of its values does.
 * `_lastUpdated` is a point in time (millisecond precision) compared the same way.
 *
 * Number and quantity prefixes, on the resource's value V and search value N with implicit
 * precision range [lo, hi) (100 → [99.5, 100.5)):
 *   eq: lo <= V < hi; ne: not eq; gt/lt/ge/le: V > N, V < N, V >= N, V <= N; sa: V > N; eb: V < N;
 *   ap: |V - N| <= max(10% of |N|, half the precision step).
 * Quantity `|system|code`: system must equal; code matches the row's unit (extract.ts indexes the
 * code and, when different, the human unit).
 *
 * Composite: `rid IN (SELECT rid FROM idx_composite WHERE pid = ? AND <part 1 on s1/v1/...> AND
 * <part 2 on s2/v2/n2/...>)`: one idx_composite row is one element, so all parts hold on the same one.
 *
 * Sort: each key orders by the smallest value of the parameter (largest when descending); resources
 * without a value sort last; ties are broken by rid (ascending, insertion order), which is also the
 * default order.
 *
 * Paging: keyset. Each page reads count + 1 rows (the extra one tells whether a next page exists).
 * A page's `next` cursor holds the last row's sort-key values and rid, `previous` the first row's;
 * the next page continues strictly after that position in the total order (keys, rid), a `before`
 * page reads the reversed order and flips its rows back. For rid order (and `_id`) the cursor
 * condition is a range on the index (`rowid > ?`); `_lastUpdated` orders add a plain bound on the
 * (type, deleted, last_updated) index. Parameter keys are correlated subqueries over the index
 * table's (rid, pid, value) index; the matching rows and their keys are materialised once per page.
 * Orders with mutable keys also carry the walk's watermark (the last version seq before the first
 * page) in every cursor and leave out rows written after it: an updated row may move from a page
 * already returned to a later one, which would repeat it. So a walk never repeats a resource and
 * never skips one that stayed unchanged; resources changed during a walk may be left out of the
 * rest of it (a new search from the first page finds them).
 */
export function runSearch(db: Database, params: ParamIds, plan: SearchPlan): SearchPage {
  // One read transaction: the date statistics and selectivity probes the compiler reads, the page,
  // the existence probes and the count all see the same snapshot.
  return db.inTransaction ? search(db, params, plan) : db.transaction(() => search(db, params, plan)).deferred();
}

function search(db: Database, params: ParamIds, plan: SearchPlan): SearchPage {
  const c = new Compiler(db, params);
  const keys = c.sortKeys('r', plan.types, plan.sort);
  const where = c.resourceFilter('r', plan.types, plan.where, pageMode(plan, keys));
  const rowWhere = c.resourceFilter('r', plan.types, plan.where, { kind: 'row' });
  const signature = sortSignature(plan.sort);
  const page: SearchPage = { versions: [] };

  let cursor: Cursor | undefined;
  let backward = false;
  if (plan.page) {
    backward = 'before' in plan.page;
    cursor = decodeCursor('before' in plan.page ? plan.page.before : plan.page.after, signature, keys);
  }
  // The walk's watermark: on the first page, the last version sequence number before the page is
  // read (read first, so every write at or below it is visible to the page query); later pages
  // inherit it from their cursor. Only orders with mutable keys need it (see keysetFilter).
  const mutable = keys.some((k) => k.mutable);
  const watermark = mutable ? (cursor ? cursor.w : maxSeq(db)) : undefined;
  const src = source(where, keys, watermarkFilter(cursor ? watermark : undefined), rowWhere);

  if (plan.count > 0) {
    const q = pageQuery(src, cursor, backward, plan.count + 1, plan.offset);
    const rows = cached(db, q.sql).all(...q.args) as KeyRow[];
    const more = rows.length > plan.count;
    if (more) rows.length = plan.count;
    if (backward) rows.reverse();
    const byRid = cached(db, BY_RID);
    for (const row of rows) {
      const v = byRid.get(row.rid) as VersionRow | undefined;
      if (v) page.versions.push(toStored(v));
    }
    const make = (row: KeyRow): string => encodeCursor(signature, keys, row, watermark, false);
    if (rows.length > 0) {
      const first = rows[0];
      const last = rows[rows.length - 1];
      // Rows beyond the page in the direction read: known from the extra row. In the other
      // direction: none on a first page; otherwise a cheap existence probe.
      // The cursor's own row, when it still matches unchanged, lies on the other side: an O(1) probe.
      const cursorRow = cursor !== undefined && !cursor.i && rowMatches(db, src, cursor.r);
      if (backward) {
        if (more) page.previous = make(first);
        if (cursorRow || exists(db, src, rowCursor(keys, last), 'after')) page.next = make(last);
      } else {
        if (more) page.next = make(last);
        if ((cursor || plan.offset > 0) && (cursorRow || exists(db, src, rowCursor(keys, first), 'before'))) page.previous = make(first);
      }
    } else if (cursor) {
      // An empty page (its rows went away since the cursor was made): link back to the rows on the
      // other side of the cursor, the cursor's own row included.
      const flipped: Cursor = { ...cursor, s: signature, i: 1 };
      if (backward) {
        if (exists(db, src, flipped, 'after')) page.next = encodeRaw(flipped);
      } else if (exists(db, src, flipped, 'before')) {
        page.previous = encodeRaw(flipped);
      }
    }
  }
  if (plan.total !== 'none') {
    if (plan.count > 0 && !cursor && plan.offset === 0 && page.next === undefined) {
      page.total = page.versions.length; // the whole result fits on the first page
    } else {
      const all = c.resourceFilter('r', plan.types, plan.where, { kind: 'all' });
      const sql = `SELECT count(*) AS n FROM resources r WHERE ${all.sql}`;
      page.total = (cached(db, sql).get(...all.args) as { n: number }).n;
    }
  }
  return page;
}

/** The SQL (and arguments) of a plan's first-page query (rids in order) and count query; for tests and EXPLAIN. */
export function compileSearch(
  db: Database,
  params: ParamIds,
  plan: SearchPlan,
): { page: { sql: string; args: unknown[] }; count: { sql: string; args: unknown[] } } {
  const c = new Compiler(db, params);
  const keys = c.sortKeys('r', plan.types, plan.sort);
  const where = c.resourceFilter('r', plan.types, plan.where, pageMode(plan, keys));
  const rowWhere = c.resourceFilter('r', plan.types, plan.where, { kind: 'row' });
  const all = c.resourceFilter('r', plan.types, plan.where, { kind: 'all' });
  let cursor: Cursor | undefined;
  let backward = false;
  if (plan.page) {
    backward = 'before' in plan.page;
    cursor = decodeCursor('before' in plan.page ? plan.page.before : plan.page.after, sortSignature(plan.sort), keys);
  }
  return {
    page: pageQuery(source(where, keys, watermarkFilter(cursor?.w), rowWhere), cursor, backward, plan.count + 1, plan.offset),
    count: { sql: `SELECT count(*) AS n FROM resources r WHERE ${all.sql}`, args: all.args },
  };
}

/**
 * How the page query finds its rows: from the most selective condition, or (an order read straight
 * off an index, with one broad condition) by walking the order and checking each row, which stops
 * after the page's rows. Orders by parameter keys read all matches anyway.
 */
function pageMode(plan: SearchPlan, keys: KeyExpr[]): FilterMode {
  if (keys.some((k) => k.correlated)) return { kind: 'all' };
  return { kind: 'page', rows: plan.count + 1 + plan.offset };
}

// ---------------------------------------------------------------------------------------------
// Keyset paging
// ---------------------------------------------------------------------------------------------

/** One key of the order (the rid, always last, is not one of them). */
interface KeyExpr {
  /** SQL expression over the `r` row (a column, or a correlated subquery for a parameter). */
  sql: string;
  args: unknown[];
  descending: boolean;
  /** Parameter keys: a resource without a value has NULL (sorted last in both directions). */
  nullable: boolean;
  numeric: boolean;
  /** The key can change when the resource is updated (everything but `_id`). */
  mutable: boolean;
  /** Computed by a correlated subquery (parameter keys). */
  correlated?: boolean;
}

type KeyValue = string | number | null;

/**
 * A position in the order: the sort-key values and rid of a row. `w`: the walk's watermark (see
 * runSearch); `i`: the position's own row is included (a link back from an empty page).
 */
interface Cursor {
  s: string;
  k: KeyValue[];
  r: number;
  w?: number;
  i?: 1;
}

interface KeyRow {
  rid: number;
  [key: `k${number}`]: KeyValue;
}

function sortSignature(sort: SortKey[]): string {
  return sort.map((k) => `${k.descending ? '-' : ''}${k.code}`).join(',');
}

function maxSeq(db: Database): number {
  return (cached(db, 'SELECT coalesce(max(seq), 0) AS m FROM versions').get() as { m: number }).m;
}

function rowCursor(keys: KeyExpr[], row: KeyRow): Cursor {
  return { s: '', k: keys.map((_, i) => row[`k${i}`] ?? null), r: row.rid };
}

function encodeCursor(signature: string, keys: KeyExpr[], row: KeyRow, watermark: number | undefined, inclusive: boolean): string {
  const c: Cursor = { ...rowCursor(keys, row), s: signature };
  if (watermark !== undefined) c.w = watermark;
  if (inclusive) c.i = 1;
  return encodeRaw(c);
}

/** base64url(JSON) + '.' + a check value, so a damaged or edited cursor is refused, not misread. */
function encodeRaw(c: Cursor): string {
  const body = Buffer.from(JSON.stringify({ s: c.s, k: c.k, r: c.r, ...(c.w !== undefined ? { w: c.w } : {}), ...(c.i ? { i: 1 } : {}) })).toString('base64url');
  return `${body}.${check(body)}`;
}

function check(body: string): string {
  return createHash('sha256').update(CURSOR_SALT).update(body).digest('base64url').slice(0, 12);
}

const CURSOR_SALT = 'forlob-search-cursor-v1';

function decodeCursor(text: string, signature: string, keys: KeyExpr[]): Cursor {
  const invalid = (why: string): never => badRequest(`Invalid paging cursor: ${why}`);
  const m = /^([A-Za-z0-9_-]{1,32768})\.([A-Za-z0-9_-]{12})$/.exec(text);
  if (!m || check(m[1]) !== m[2]) invalid('not a cursor from this server');
  let c: Cursor;
  try {
    c = JSON.parse(Buffer.from(m![1], 'base64url').toString('utf8')) as Cursor;
  } catch {
    return invalid('not a cursor from this server');
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) invalid('malformed');
  if (c.s !== signature) invalid('it belongs to a search with a different _sort');
  if (!Number.isSafeInteger(c.r) || c.r < 0) invalid('malformed position');
  if (c.w !== undefined && (!Number.isSafeInteger(c.w) || c.w < 0)) invalid('malformed watermark');
  if (c.i !== undefined && c.i !== 1) invalid('malformed');
  if (!Array.isArray(c.k) || c.k.length !== keys.length) invalid('malformed sort values');
  keys.forEach((k, i) => {
    const v = c.k[i];
    if (v === null ? !k.nullable : typeof v !== (k.numeric ? 'number' : 'string') || (typeof v === 'number' && !Number.isFinite(v))) {
      invalid('malformed sort values');
    }
  });
  // A cursor of an order with mutable keys always carries its walk's watermark.
  if (keys.some((k) => k.mutable) && c.w === undefined) invalid('missing watermark');
  return c;
}

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
function watermarkFilter(watermark: number | undefined): Frag {
  if (watermark === undefined) return TRUE;
  return { sql: 'r.rid NOT IN (SELECT rid FROM versions WHERE seq > ?)', args: [watermark] };
}

/**
 * The rows to page over. With keys computed by correlated subqueries (parameter sorts), the
 * matching rows and their keys are materialised first, so each key is computed once per row rather
 * than once per mention in the cursor condition; column keys stay inline (index-driven).
 */
interface Source {
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

function source(where: Frag, keys: KeyExpr[], wm: Frag, rowWhere: Frag, inline = false): Source {
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

function pageQuery(src: Source, cursor: Cursor | undefined, backward: boolean, limit: number, offset: number): { sql: string; args: unknown[] } {
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
  return {
    sql:
      `${src.prefix}SELECT ${src.rid} AS rid${src.select} FROM ${src.from} WHERE ${filter.sql} ` +
      `ORDER BY ${order}${src.rid}${backward ? ' DESC' : ''} LIMIT ? OFFSET ?`,
    args: [...src.args, ...filter.args, limit, offset],
  };
}

/** Whether the row `rid` is (still) among the rows paged over. */
function rowMatches(db: Database, page: Source, rid: number): boolean {
  const src = page.inline;
  const filter = and([{ sql: `${src.rid} = ?`, args: [rid] }, src.row]);
  if (filter === FALSE) return false;
  return cached(db, `SELECT 1 AS x FROM ${src.from} WHERE ${filter.sql}`).get(...filter.args) !== undefined;
}

/**
 * Whether any row lies beyond position `c` on `side`. Keys stay inline (not materialised): the
 * probe stops at the first row found, usually at once.
 */
function exists(db: Database, page: Source, c: Cursor, side: 'after' | 'before'): boolean {
  const src = page.inline;
  const filter = and([src.where, keysetFilter(src.keys, c, side, src.rid)]);
  if (filter === FALSE) return false;
  const args = src.prefix ? [...src.args, ...filter.args] : filter.args;
  return cached(db, `${src.prefix}SELECT 1 AS x FROM ${src.from} WHERE ${filter.sql} LIMIT 1`).get(...args) !== undefined;
}

interface VersionRow {
  type: string;
  id: string;
  version: number;
  last_updated: string;
  method: string;
  content: string | null;
}

const BY_RID = `SELECT r.type, r.id, v.version, v.last_updated, v.method, v.content
  FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version WHERE r.rid = ?`;

function toStored(row: VersionRow): StoredVersion {
  return {
    type: row.type,
    id: row.id,
    versionId: row.version,
    lastUpdated: row.last_updated,
    method: row.method as WriteMethod,
    deleted: false,
    json: row.content ?? undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Prepared statement cache (plans repeat; preparing costs more than running a simple search)
// ---------------------------------------------------------------------------------------------

const MAX_CACHED = 500;
const statementCaches = new WeakMap<Database, Map<string, Statement>>();

function cached(db: Database, sql: string): Statement {
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

// ---------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------

interface Frag {
  sql: string;
  args: unknown[];
}

const TRUE: Frag = { sql: '1', args: [] };
const FALSE: Frag = { sql: '0', args: [] };

const DAY = 86_400_000;

/** Estimates count index rows up to this many (see Compiler.estimate). */
const CAP = 2000;
/** How long a probe's count is reused (ms); an estimate only steers the plan, never the result. */
const PROBE_TTL = 10_000;
const TYPE_COUNT_TTL = 60_000;

/** How a filter is compiled (see Compiler.resourceFilter). */
type FilterMode = { kind: 'all' } | { kind: 'page'; rows: number } | { kind: 'row' };

/** A condition (or several date conditions on one row) that could drive the search. */
interface Candidate {
  conditions: Condition[];
  frag(alias: string): Frag;
  estimate(): number;
  est?: number;
}

interface DateStats {
  maxRows: number;
  /** min(0, smallest hi - lo) and max(0, largest hi - lo) over rows with both ends bounded. */
  minSpan: number;
  maxSpan: number;
  open: boolean;
}

/**
 * The range of `lo` an index row [lo, hi) can have when it satisfies `r` (a superset), given that
 * hi - lo lies within [minSpan, maxSpan] for rows with both ends bounded (rows with an open end are
 * searched separately): hi > X implies lo > X - maxSpan, hi <= X implies lo <= X - minSpan.
 */
function dateBounds(r: DateRange, st: DateStats, width: number): [number, number] {
  switch (r.prefix) {
    case 'eq':
      return [r.lo, r.hi - st.minSpan];
    case 'ne':
      return [-Infinity, Infinity];
    case 'gt':
      return [r.hi - st.maxSpan, Infinity];
    case 'lt':
      return [-Infinity, r.lo];
    case 'ge':
      return [Math.min(r.lo, r.hi - st.maxSpan), Infinity];
    case 'le':
      return [-Infinity, Math.max(r.lo, r.hi - st.minSpan)];
    case 'sa':
      return [r.hi, Infinity];
    case 'eb':
      return [-Infinity, r.lo - st.minSpan];
    case 'ap':
      // Overlap with S widened by `width` on both sides (see Compiler.dateFrag).
      return [r.lo - width - st.maxSpan, r.hi + width];
  }
}

const probeCaches = new WeakMap<Database, Map<string, { n: number; at: number }>>();

/** `sql` (a `SELECT count(*) AS n ...`), its result reused for `ttl` ms. */
function probe(db: Database, sql: string, args: unknown[], ttl = PROBE_TTL): number {
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

class Compiler {
  private aliasCounter = 0;
  private readonly now = Date.now();

  constructor(
    private readonly db: Database,
    private readonly params: ParamIds,
  ) {}

  private alias(): string {
    return `t${++this.aliasCounter}`;
  }

  /**
   * `alias` is a row of `resources`: not deleted, of `types`, matching all `conditions`.
   *
   * `all` / `page`: one condition, the most selective by estimate (see `estimate`), drives as
   * `alias.rid IN (SELECT rid FROM idx_x WHERE pid = ? AND ...)` (SQLite materialises the list
   * once, in rid order); every other condition is a per-row check (`EXISTS (SELECT 1 FROM idx_x x
   * WHERE x.rid = alias.rid AND +x.pid = ? AND ...)`, over the (rid, pid, value...) index), so the
   * work follows the smallest list, not the largest. Date conditions on one single-valued parameter
   * drive together as one bounded range scan on `lo` (see dateDriver). A positive `_id` drives
   * through the (type, id) index. `page` may instead walk the type's index in the page order and
   * check each row, when one broad condition makes that stop early (see walks). `row`: the row is
   * already fixed (a probe of one rid, the inside of a chain or `_has` check): every condition is a
   * per-row check.
   */
  resourceFilter(alias: string, types: string[], conditions: Condition[], mode: FilterMode = { kind: 'all' }): Frag {
    const parts: Frag[] = [{ sql: `${alias}.deleted = 0`, args: [] }];
    const typeFilter = (col: string): Frag =>
      types.length === 1
        ? { sql: `${col} = ?`, args: [types[0]] }
        : types.length > 1
          ? { sql: `${col} IN (${marks(types.length)})`, args: [...types] }
          : TRUE;
    let driver: Candidate | undefined;
    if (mode.kind !== 'row' && !conditions.some((c) => c.kind === 'id' && !c.not)) {
      const candidates = this.candidates(types, conditions);
      if (candidates.length > 0) {
        const est = (c: Candidate) => (c.est ??= c.estimate());
        driver = candidates.length === 1 ? candidates[0] : candidates.reduce((best, c) => (est(c) < est(best) ? c : best));
        if (mode.kind === 'page' && candidates.length === 1 && this.walks(types, est(driver), mode.rows)) driver = undefined;
      }
    }
    // With a driving index condition, a unary `+` keeps SQLite from scanning the type index instead.
    // With `_id` (the (type, id) index) or no driver, the type index is best.
    parts.push(typeFilter(driver || mode.kind === 'row' ? `+${alias}.type` : `${alias}.type`));
    if (driver) parts.push(driver.frag(alias));
    for (const c of conditions) {
      if (driver?.conditions.includes(c)) continue;
      parts.push(c.kind === 'id' && !c.not ? this.condition(alias, types, c) : this.check(alias, types, c));
    }
    return and(parts);
  }

  /**
   * Whether walking the type in the page order and checking each row beats listing the matches of
   * the only (broad) condition: with `est` of `n` rows matching, a page of `rows` needs about
   * rows * n / est rows checked, against est rows listed.
   */
  private walks(types: string[], est: number, rows: number): boolean {
    if (types.length !== 1 || est < 64) return false;
    const n = this.typeCount(types[0]);
    return est * est > 2 * rows * n;
  }

  /** Live resources of `type` (cached for a while: an estimate). */
  private typeCount(type: string): number {
    return probe(this.db, 'SELECT count(*) AS n FROM resources WHERE type = ? AND deleted = 0', [type], TYPE_COUNT_TTL);
  }

  /** The conditions that can drive a search (positive index conditions), with their estimates. */
  private candidates(types: string[], conditions: Condition[]): Candidate[] {
    const out: Candidate[] = [];
    type DateCondition = Extract<Condition, { kind: 'date' }>;
    const dates = new Map<string, DateCondition[]>();
    for (const c of conditions) {
      if (!drives(c)) continue;
      if (c.kind === 'date') {
        const group = dates.get(c.code);
        if (group) group.push(c);
        else dates.set(c.code, [c]);
        continue;
      }
      out.push({ conditions: [c], frag: (alias) => this.condition(alias, types, c), estimate: () => this.estimate(types, c) });
    }
    for (const group of dates.values()) {
      const pids = this.pids(types, group[0].code);
      const stats = this.dateStats(pids);
      // A single-valued parameter: all its conditions hold on the one row, so they drive together.
      const together = stats.maxRows <= 1 ? [group] : group.map((c) => [c]);
      for (const cs of together) {
        const ranges = cs.map((c) => c.any);
        out.push({
          conditions: cs,
          frag: (alias) => this.dateDriver(alias, pids, ranges, stats).frag,
          estimate: () => {
            const d = this.dateDriver('r', pids, ranges, stats);
            return d.probe ? probe(this.db, d.probe.sql, d.probe.args) : CAP;
          },
        });
      }
    }
    return out;
  }

  /**
   * Estimated number of resources matching `c` (at most CAP): a count of its index rows bounded by
   * CAP (cached briefly), for conditions whose index rows are a seek; a guess for the others.
   */
  private estimate(types: string[], c: Condition): number {
    switch (c.kind) {
      case 'token':
      case 'reference':
      case 'uri':
      case 'number':
      case 'quantity':
      case 'string': {
        const code = c.code;
        const table: IndexTable = c.kind;
        if (c.kind === 'string' && c.any.some((m) => m.mode === 'contains')) return CAP;
        if ((c.kind === 'number' || c.kind === 'quantity') && c.any.some((m) => m.prefix === 'ne')) return CAP;
        const q = this.indexList(types, code, table, this.alternatives(c));
        return q ? probe(this.db, `SELECT count(*) AS n FROM (${q.sql} LIMIT ${CAP})`, q.args) : 0;
      }
      case 'composite':
        return CAP / 2;
      case 'chain':
        return Math.min(CAP, 4 * this.bestEstimate(c.targetTypes, c.where));
      case 'has':
        return this.bestEstimate([c.sourceType], c.where);
      case 'anyOf':
        return Math.min(CAP, c.alternatives.reduce((n, a) => n + this.estimate(types, a), 0));
      case 'date':
        return CAP; // estimated as a group (candidates)
      default:
        return CAP;
    }
  }

  private bestEstimate(types: string[], conditions: Condition[]): number {
    if (conditions.some((c) => c.kind === 'id' && !c.not)) return 1;
    const cs = this.candidates(types, conditions);
    return cs.length === 0 ? CAP : Math.min(...cs.map((c) => c.estimate()));
  }

  private alternatives(c: Condition): Frag[] | undefined {
    switch (c.kind) {
      case 'token':
        return c.any.map(tokenFrag);
      case 'string':
        return c.any.map(stringFrag);
      case 'number':
        return c.any.map((m) => numberFrag(m));
      case 'quantity':
        return c.any.map(quantityFrag);
      case 'reference':
        return c.any.map(referenceFrag);
      case 'uri':
        return c.any.map(uriFrag);
      case 'composite':
        return c.any.map((m) => this.compositeFrag(m));
      case 'date':
        return c.any.map((r) => this.dateFrag(r, 'lo', 'hi'));
      default:
        return undefined;
    }
  }

  /** `SELECT rid FROM idx_<table> WHERE pid ... AND (alt1 OR ...)`; undefined when nothing can match. */
  private indexList(types: string[], code: string, table: IndexTable, alts: Frag[] | undefined): Frag | undefined {
    const pids = this.pids(types, code);
    if (pids.length === 0) return undefined;
    if (alts !== undefined && alts.length === 0) return undefined;
    const pidF = this.pidFrag(pids);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    if (match === FALSE) return undefined;
    return { sql: `SELECT rid FROM idx_${table} WHERE ${match.sql}`, args: match.args };
  }

  /** The widest date statistics over `pids` (schema.ts, migration 3). */
  private dateStats(pids: number[]): DateStats {
    const out: DateStats = { maxRows: 0, minSpan: 0, maxSpan: 0, open: false };
    for (const pid of pids) {
      const row = cached(this.db, 'SELECT max_rows, min_span, max_span, open FROM date_stats WHERE pid = ?').get(pid) as
        | { max_rows: number; min_span: number; max_span: number; open: number }
        | undefined;
      if (!row) continue;
      out.maxRows = Math.max(out.maxRows, row.max_rows);
      out.minSpan = Math.min(out.minSpan, row.min_span);
      out.maxSpan = Math.max(out.maxSpan, row.max_span);
      out.open ||= row.open !== 0;
    }
    return out;
  }

  /**
   * Date conditions (each a list of ORed ranges) that hold on ONE index row, as a driver: a range
   * scan on (pid, lo) bounded by what the conditions imply for `lo` (dateBounds), plus the exact
   * comparisons on the row; rows with an open end (no such bound) are found by their own seeks.
   */
  private dateDriver(alias: string, pids: number[], conditions: DateRange[][], stats: DateStats): { frag: Frag; probe?: Frag } {
    if (pids.length === 0 || conditions.some((any) => any.length === 0)) return { frag: FALSE };
    let lo = -Infinity;
    let hi = Infinity;
    for (const any of conditions) {
      const b = any.map((r) => dateBounds(r, stats, r.prefix === 'ap' ? this.approxWidth(r) : 0));
      lo = Math.max(lo, Math.min(...b.map((x) => x[0])));
      hi = Math.min(hi, Math.max(...b.map((x) => x[1])));
    }
    const exact = and(conditions.map((any) => or(any.map((r) => this.dateFrag(r, 'lo', 'hi')))));
    if (exact === FALSE) return { frag: FALSE };
    const pidF = this.pidFrag(pids);
    const range: Frag[] = [];
    if (lo > -Infinity) range.push({ sql: 'lo >= ?', args: [lo] });
    if (hi < Infinity) range.push({ sql: 'lo <= ?', args: [hi] });
    const main = and([pidF, ...range, exact]);
    const branches = [main];
    if (stats.open && range.length > 0) {
      branches.push(and([pidF, { sql: 'lo <= ?', args: [MIN_DATE] }, exact]));
      branches.push(and([pidF, { sql: 'hi >= ?', args: [MAX_DATE] }, exact]));
    }
    const sql = branches.map((b) => `SELECT rid FROM idx_date WHERE ${b.sql}`).join(' UNION ');
    return {
      frag: { sql: `${alias}.rid IN (${sql})`, args: branches.flatMap((b) => b.args) },
      probe: { sql: `SELECT count(*) AS n FROM (${sql} LIMIT ${CAP})`, args: branches.flatMap((b) => b.args) },
    };
  }

  /** A condition checked on the row `alias` itself (see resourceFilter). */
  check(alias: string, types: string[], c: Condition): Frag {
    switch (c.kind) {
      case 'id':
      case 'lastUpdated':
        return this.condition(alias, types, c);
      case 'token':
      case 'string':
      case 'date':
      case 'number':
      case 'quantity':
      case 'reference':
      case 'uri':
      case 'composite':
        return this.indexExists(alias, types, c.code, c.kind, this.alternatives(c), c.kind === 'token' && !!c.not);
      case 'missing':
        return this.indexExists(alias, types, c.code, c.table, undefined, c.missing);
      case 'chain': {
        const pids = this.pids(types, c.code);
        if (pids.length === 0) return FALSE;
        const t = this.alias();
        const x = this.alias();
        const target = this.resourceFilter(t, c.targetTypes, c.where, { kind: 'row' });
        const pidF = this.pidFrag(pids, `+${x}.pid`);
        return {
          sql:
            `EXISTS (SELECT 1 FROM idx_reference ${x} CROSS JOIN resources ${t} WHERE ${x}.rid = ${alias}.rid AND ${pidF.sql} ` +
            `AND ${t}.type = ${x}.target_type AND ${t}.id = ${x}.target_id AND ${target.sql})`,
          args: [...pidF.args, ...target.args],
        };
      }
      case 'has': {
        const pids = this.pids([c.sourceType], c.code);
        if (pids.length === 0) return FALSE;
        const s = this.alias();
        const x = this.alias();
        const source = this.resourceFilter(s, [c.sourceType], c.where, { kind: 'row' });
        const pidF = this.pidFrag(pids, `${x}.pid`);
        return {
          sql:
            `EXISTS (SELECT 1 FROM idx_reference ${x} CROSS JOIN resources ${s} WHERE ${pidF.sql} AND ${x}.target_id = ${alias}.id ` +
            `AND ${x}.target_type = ${alias}.type AND ${s}.rid = ${x}.rid AND ${source.sql})`,
          args: [...pidF.args, ...source.args],
        };
      }
      case 'anyOf':
        return c.alternatives.length === 0 ? FALSE : or(c.alternatives.map((a) => this.check(alias, types, a)));
      default: {
        const never: never = c;
        throw new Error(`Unknown search condition ${(never as { kind: string }).kind}`);
      }
    }
  }

  /**
   * `[NOT] EXISTS (SELECT 1 FROM idx_<table> x WHERE x.rid = alias.rid AND +x.pid ... AND (alts))`:
   * the `+` keeps SQLite on the (rid, pid, ...) index, a seek to the row's few values.
   * `alts` undefined: any row of the parameter.
   */
  private indexExists(alias: string, types: string[], code: string, table: IndexTable, alts: Frag[] | undefined, negate: boolean): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return negate ? TRUE : FALSE;
    if (alts !== undefined && alts.length === 0) return negate ? TRUE : FALSE;
    const x = this.alias();
    const pidF = this.pidFrag(pids, `+${x}.pid`);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    if (match === FALSE) return negate ? TRUE : FALSE;
    return {
      sql: `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM idx_${table} ${x} WHERE ${x}.rid = ${alias}.rid AND ${match.sql})`,
      args: match.args,
    };
  }

  /** The pids of `code` for `types` (all types when empty). */
  private pids(types: string[], code: string): number[] {
    if (types.length === 0 || types.length > 4) {
      // All types, or many (system search): one query instead of a lookup per type.
      const rows = cached(this.db, 'SELECT pid, type FROM search_param WHERE code = ?').all(code) as { pid: number; type: string }[];
      if (types.length === 0) return rows.map((r) => r.pid);
      const wanted = new Set(types);
      return rows.filter((r) => wanted.has(r.type)).map((r) => r.pid);
    }
    const out: number[] = [];
    for (const t of types) {
      const pid = this.params.lookup(this.db, t, code);
      if (pid !== undefined) out.push(pid);
    }
    return out;
  }

  private pidFrag(pids: number[], column = 'pid'): Frag {
    return pids.length === 1
      ? { sql: `${column} = ?`, args: [pids[0]] }
      : { sql: `${column} IN (${marks(pids.length)})`, args: [...pids] };
  }

  /**
   * `alias.rid [NOT] IN (SELECT rid FROM idx_<table> WHERE pid ... AND (alt1 OR alt2 ...))`.
   * `alts` undefined: any row of the parameter.
   */
  private indexIn(alias: string, types: string[], code: string, table: IndexTable, alts: Frag[] | undefined, negate: boolean): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return negate ? TRUE : FALSE;
    if (alts !== undefined && alts.length === 0) return negate ? TRUE : FALSE;
    const pidF = this.pidFrag(pids);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    return {
      sql: `${alias}.rid ${negate ? 'NOT IN' : 'IN'} (SELECT rid FROM idx_${table} WHERE ${match.sql})`,
      args: match.args,
    };
  }

  condition(alias: string, types: string[], c: Condition): Frag {
    switch (c.kind) {
      case 'id':
        if (c.ids.length === 0) return c.not ? TRUE : FALSE;
        return { sql: `${alias}.id ${c.not ? 'NOT IN' : 'IN'} (${marks(c.ids.length)})`, args: [...c.ids] };
      case 'lastUpdated':
        return and(c.ranges.map((r) => this.lastUpdated(alias, r)));
      case 'token':
        return this.indexIn(alias, types, c.code, 'token', c.any.map(tokenFrag), !!c.not);
      case 'string':
        return this.indexIn(alias, types, c.code, 'string', c.any.map(stringFrag), false);
      case 'date': {
        const pids = this.pids(types, c.code);
        return this.dateDriver(alias, pids, [c.any], this.dateStats(pids)).frag;
      }
      case 'number':
        return this.indexIn(alias, types, c.code, 'number', c.any.map((m) => numberFrag(m)), false);
      case 'quantity':
        return this.indexIn(alias, types, c.code, 'quantity', c.any.map(quantityFrag), false);
      case 'reference':
        return this.indexIn(alias, types, c.code, 'reference', c.any.map(referenceFrag), false);
      case 'uri':
        return this.indexIn(alias, types, c.code, 'uri', c.any.map(uriFrag), false);
      case 'missing':
        return this.indexIn(alias, types, c.code, c.table, undefined, c.missing);
      case 'composite':
        return this.indexIn(alias, types, c.code, 'composite', c.any.map((m) => this.compositeFrag(m)), false);
      case 'chain':
        return this.chain(alias, types, c.code, c.targetTypes, c.where);
      case 'has':
        return this.has(alias, c.sourceType, c.code, c.where);
      case 'anyOf':
        return c.alternatives.length === 0 ? FALSE : or(c.alternatives.map((a) => this.condition(alias, types, a)));
      default: {
        const never: never = c;
        throw new Error(`Unknown search condition ${(never as { kind: string }).kind}`);
      }
    }
  }

  /**
   * The reference `code` of `alias` points to a (current, non-deleted) resource of targetTypes matching
   * `where`. CROSS JOIN fixes the loop order: matching targets first, then their referrers through the
   * (pid, target_id, target_type) index.
   */
  private chain(alias: string, types: string[], code: string, targetTypes: string[], where: Condition[]): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return FALSE;
    const t = this.alias();
    const x = this.alias();
    const target = this.resourceFilter(t, targetTypes, where);
    const pidF = this.pidFrag(pids, `${x}.pid`);
    return {
      sql:
        `${alias}.rid IN (SELECT ${x}.rid FROM resources ${t} CROSS JOIN idx_reference ${x} ` +
        `WHERE ${target.sql} AND ${pidF.sql} AND ${x}.target_id = ${t}.id AND ${x}.target_type = ${t}.type)`,
      args: [...target.args, ...pidF.args],
    };
  }

  /**
   * Some `sourceType` resource matching `where` has reference `code` pointing to `alias`. Loop order:
   * matching sources, their reference rows (rid index), the referenced resources ((type, id) index).
   */
  private has(alias: string, sourceType: string, code: string, where: Condition[]): Frag {
    const pids = this.pids([sourceType], code);
    if (pids.length === 0) return FALSE;
    const s = this.alias();
    const x = this.alias();
    const t = this.alias();
    const source = this.resourceFilter(s, [sourceType], where);
    const pidF = this.pidFrag(pids, `+${x}.pid`);
    return {
      sql:
        `${alias}.rid IN (SELECT ${t}.rid FROM resources ${s} CROSS JOIN idx_reference ${x} CROSS JOIN resources ${t} ` +
        `WHERE ${source.sql} AND ${x}.rid = ${s}.rid AND ${pidF.sql} ` +
        `AND ${t}.type = ${x}.target_type AND ${t}.id = ${x}.target_id)`,
      args: [...source.args, ...pidF.args],
    };
  }

  /**
   * All parts of a composite value on one idx_composite row (one element): component k's match on
   * the generic columns sk, vk, nk, lok, hik (see schema.ts), by renaming the columns of the
   * per-type comparisons.
   */
  private compositeFrag(m: CompositeMatch): Frag {
    return and(
      m.parts.map((p, i) => {
        const k = i + 1;
        switch (p.type) {
          case 'token':
            return renamed(tokenFrag(p.match), { value: `v${k}`, system: `s${k}` });
          case 'string':
            return renamed(stringFrag(p.match), { norm: `v${k}` });
          case 'date':
            return this.dateFrag(p.match, `lo${k}`, `hi${k}`);
          case 'number':
            return renamed(numberFrag(p.match), { value: `n${k}` });
          case 'quantity':
            return renamed(quantityFrag(p.match), { value: `n${k}`, system: `s${k}`, unit: `v${k}` });
          case 'reference':
            return renamed(referenceFrag(p.match), { target_id: `v${k}`, target_type: `s${k}`, url: `v${k}` });
          case 'uri':
            return renamed(uriFrag(p.match), { value: `v${k}` });
        }
      }),
    );
  }

  /** Range comparison of an index row [lo, hi) against a search range (see the header comment). */
  private dateFrag(r: DateRange, lo: string, hi: string): Frag {
    switch (r.prefix) {
      case 'eq':
        return { sql: `(${lo} >= ? AND ${hi} <= ?)`, args: [r.lo, r.hi] };
      case 'ne':
        return { sql: `NOT (${lo} >= ? AND ${hi} <= ?)`, args: [r.lo, r.hi] };
      case 'gt':
        return { sql: `${hi} > ?`, args: [r.hi] };
      case 'lt':
        return { sql: `${lo} < ?`, args: [r.lo] };
      case 'ge':
        return { sql: `(${hi} > ? OR (${lo} >= ? AND ${hi} <= ?))`, args: [r.hi, r.lo, r.hi] };
      case 'le':
        return { sql: `(${lo} < ? OR (${lo} >= ? AND ${hi} <= ?))`, args: [r.lo, r.lo, r.hi] };
      case 'sa':
        return { sql: `${lo} >= ?`, args: [r.hi] };
      case 'eb':
        return { sql: `${hi} <= ?`, args: [r.lo] };
      case 'ap': {
        const w = this.approxWidth(r);
        return { sql: `(${lo} < ? AND ${hi} > ?)`, args: [r.hi + w, r.lo - w] };
      }
    }
  }

  private approxWidth(r: DateRange): number {
    const mid = (r.lo + r.hi) / 2;
    return Math.max(DAY, Math.round(Math.abs(this.now - mid) * 0.1));
  }

  /** `_lastUpdated`: the resource's instant t as the range [t, t + 1 ms), compared as ISO text. */
  private lastUpdated(alias: string, r: DateRange): Frag {
    const col = `${alias}.last_updated`;
    const iso = (ms: number) => new Date(Math.min(Math.max(ms, -8.64e15), 8.64e15)).toISOString();
    switch (r.prefix) {
      case 'eq':
        return { sql: `(${col} >= ? AND ${col} < ?)`, args: [iso(r.lo), iso(r.hi)] };
      case 'ne':
        return { sql: `NOT (${col} >= ? AND ${col} < ?)`, args: [iso(r.lo), iso(r.hi)] };
      case 'gt':
      case 'sa':
        return { sql: `${col} >= ?`, args: [iso(r.hi)] };
      case 'lt':
      case 'eb':
        return { sql: `${col} < ?`, args: [iso(r.lo)] };
      case 'ge':
        return { sql: `${col} >= ?`, args: [iso(r.lo)] };
      case 'le':
        return { sql: `${col} < ?`, args: [iso(r.hi)] };
      case 'ap': {
        const w = this.approxWidth(r);
        return { sql: `(${col} >= ? AND ${col} < ?)`, args: [iso(r.lo - w), iso(r.hi + w)] };
      }
    }
  }

  /** The sort keys of the order (the rid follows them as the last tie-breaker). */
  sortKeys(alias: string, types: string[], keys: SortKey[]): KeyExpr[] {
    const out: KeyExpr[] = [];
    for (const k of keys) {
      const descending = k.descending;
      // _id and _lastUpdated are never null.
      if (k.code === '_id') {
        out.push({ sql: `${alias}.id`, args: [], descending, nullable: false, numeric: false, mutable: false });
        continue;
      }
      if (k.code === '_lastUpdated') {
        out.push({ sql: `${alias}.last_updated`, args: [], descending, nullable: false, numeric: false, mutable: true });
        continue;
      }
      if (!k.table) continue;
      const numeric = k.table === 'date' || k.table === 'number' || k.table === 'quantity';
      const pids = this.pids(types, k.code);
      if (pids.length === 0) {
        // No resource has a value (yet): every row has NULL.
        out.push({ sql: 'NULL', args: [], descending, nullable: true, numeric, mutable: true });
        continue;
      }
      const col = sortColumn(k.table, descending);
      // `+pid`: look the resource's rows up by the (rid, pid, value) index (index-only), never by
      // the (pid, value) index, whose min/max shortcut would scan all rows of the parameter.
      const pidF = this.pidFrag(pids, '+pid');
      const sql = `(SELECT ${descending ? 'max' : 'min'}(${col}) FROM idx_${k.table} WHERE rid = ${alias}.rid AND ${pidF.sql})`;
      out.push({ sql, args: pidF.args, descending, nullable: true, numeric, mutable: true, correlated: true });
    }
    return out;
  }
}

/** Whether a condition can drive a search (see resourceFilter): positive index conditions. */
function drives(c: Condition): boolean {
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

function sortColumn(table: IndexTable, descending: boolean): string {
  switch (table) {
    case 'token':
      return 'value';
    case 'string':
      return 'norm';
    case 'date':
      return descending ? 'hi' : 'lo';
    case 'number':
    case 'quantity':
      return 'value';
    case 'reference':
      return "coalesce(target_type || '/' || target_id, url)";
    case 'uri':
      return 'value';
    case 'composite':
      return 'v1';
  }
}

function tokenFrag(m: TokenMatch): Frag {
  const parts: Frag[] = [];
  if (m.value !== undefined) parts.push({ sql: 'value = ?', args: [m.value] });
  if (m.system === null) parts.push({ sql: 'system IS NULL', args: [] });
  else if (m.system !== undefined) parts.push({ sql: 'system = ?', args: [m.system] });
  return parts.length ? and(parts) : TRUE;
}

function stringFrag(m: StringMatch): Frag {
  switch (m.mode) {
    case 'prefix':
      return m.value === '' ? TRUE : { sql: '(norm >= ? AND norm < ?)', args: [m.value, m.value + MAX_CHAR] };
    case 'contains':
      return { sql: "norm LIKE ? ESCAPE '\\'", args: [`%${escapeLike(m.value)}%`] };
    case 'exact':
      // Equal text has equal folded text: the norm condition lets SQLite use the (pid, norm) index.
      return { sql: '(norm = ? AND exact = ?)', args: [foldString(m.value), m.value] };
  }
}

function numberFrag(m: NumberMatch): Frag {
  switch (m.prefix) {
    case 'eq':
      return { sql: '(value >= ? AND value < ?)', args: [m.lo, m.hi] };
    case 'ne':
      return { sql: 'NOT (value >= ? AND value < ?)', args: [m.lo, m.hi] };
    case 'gt':
    case 'sa':
      return { sql: 'value > ?', args: [m.value] };
    case 'lt':
    case 'eb':
      return { sql: 'value < ?', args: [m.value] };
    case 'ge':
      return { sql: 'value >= ?', args: [m.value] };
    case 'le':
      return { sql: 'value <= ?', args: [m.value] };
    case 'ap': {
      const w = Math.max(Math.abs(m.value) * 0.1, (m.hi - m.lo) / 2);
      return { sql: '(value >= ? AND value <= ?)', args: [m.value - w, m.value + w] };
    }
  }
}

function quantityFrag(m: QuantityMatch): Frag {
  const parts: Frag[] = [numberFrag(m)];
  if (m.system !== undefined) parts.push({ sql: 'system = ?', args: [m.system] });
  if (m.unit !== undefined) parts.push({ sql: 'unit = ?', args: [m.unit] });
  return and(parts);
}

function referenceFrag(m: ReferenceMatch): Frag {
  const parts: Frag[] = [];
  if (m.targetId !== undefined) parts.push({ sql: 'target_id = ?', args: [m.targetId] });
  if (m.targetType !== undefined) parts.push({ sql: 'target_type = ?', args: [m.targetType] });
  if (m.url !== undefined) parts.push({ sql: 'url = ?', args: [m.url] });
  return parts.length ? and(parts) : FALSE;
}

function uriFrag(m: UriMatch): Frag {
  switch (m.mode) {
    case 'exact':
      return { sql: 'value = ?', args: [m.value] };
    case 'below': {
      // The value itself or anything under it by path segment.
      const base = m.value.replace(/\/+$/, '');
      return { sql: '(value = ? OR (value >= ? AND value < ?))', args: [base, `${base}/`, `${base}/${MAX_CHAR}`] };
    }
    case 'above': {
      const candidates = uriAncestors(m.value);
      return { sql: `value IN (${marks(candidates.length)})`, args: candidates };
    }
  }
}

/** The URI and each of its ancestors by path segment (not above the authority): a/b/c, a/b, a. */
function uriAncestors(uri: string): string[] {
  const out = [uri];
  const scheme = uri.indexOf('://');
  const floor = scheme >= 0 ? uri.indexOf('/', scheme + 3) : -1;
  let cur = uri.replace(/\/+$/, '');
  if (cur !== uri) out.push(cur);
  for (;;) {
    const slash = cur.lastIndexOf('/');
    if (slash < 0 || (scheme >= 0 && slash < scheme + 3) || (floor >= 0 && slash < floor)) break;
    cur = cur.slice(0, slash);
    if (cur === '' || cur.endsWith(':/') || cur.endsWith(':')) break;
    out.push(cur);
  }
  return out;
}

/** A comparison on one index table's columns, on other column names (the per-type frags name only columns). */
function renamed(f: Frag, columns: Record<string, string>): Frag {
  if (f === TRUE || f === FALSE) return f;
  const re = new RegExp(`\\b(${Object.keys(columns).join('|')})\\b`, 'g');
  return { sql: f.sql.replace(re, (c) => columns[c]), args: f.args };
}

function marks(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function and(parts: Frag[]): Frag {
  const real = parts.filter((p) => p !== TRUE);
  if (real.some((p) => p === FALSE)) return FALSE;
  if (real.length === 0) return TRUE;
  if (real.length === 1) return real[0];
  return { sql: real.map((p) => p.sql).join(' AND '), args: real.flatMap((p) => p.args) };
}

function or(parts: Frag[]): Frag {
  const real = parts.filter((p) => p !== FALSE);
  if (real.some((p) => p === TRUE)) return TRUE;
  if (real.length === 0) return FALSE;
  if (real.length === 1) return real[0];
  return { sql: `(${real.map((p) => p.sql).join(' OR ')})`, args: real.flatMap((p) => p.args) };
}
