// Entry point of SQLite search: runSearch (one page of a SearchPlan) and compileSearch (its SQL).

import type { Database, Transaction } from 'better-sqlite3';
import type { SearchPage, SearchPlan } from '../../../search/plan.js';
import type { ParamIds } from '../param-ids.js';
import { Compiler } from './compiler.js';
import { decodeCursor, encodeCursor, encodeRaw, rowCursor, type Cursor, type KeyRow } from './cursor.js';
import { exists, maxSeq, pageQuery, rowMatches, source, watermarkFilter } from './paging.js';
import type { FilterMode } from './selectivity.js';
import { sortSignature, type KeyExpr } from './sort-keys.js';
import { cached } from './statement-cache.js';
import { toStored, type VersionRow } from '../version-rows.js';

/**
 * Compiles a SearchPlan to SQL over the index tables (schema.ts) and runs it.
 *
 * Shape: `SELECT r.rid FROM resources r WHERE r.deleted = 0 AND r.type ... AND <conditions>
 * ORDER BY <sort keys>, r.rid LIMIT n OFFSET ?`, joined with each row's current version.
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
  if (db.inTransaction) return search(db, params, plan);
  let inTx = readTransactions.get(db);
  if (!inTx) readTransactions.set(db, (inTx = db.transaction(search)));
  return inTx.deferred(db, params, plan);
}

/** One transaction wrapper per connection: better-sqlite3 builds a wrapper at a measurable cost (~10 µs). */
const readTransactions = new WeakMap<Database, Transaction<typeof search>>();

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
    const rows = cached(db, q.sql).all(...q.args) as (KeyRow & VersionRow)[];
    const more = rows.length > plan.count;
    if (more) rows.length = plan.count;
    if (backward) rows.reverse();
    for (const row of rows) page.versions.push(toStored(row));
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
