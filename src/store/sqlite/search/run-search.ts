// Entry point of SQLite search: runSearch drives the shared search steps (store/sql/search/search-steps.ts)
// synchronously, inside one read transaction, with SQLite's catalogue (sqlite-catalog.ts).

import type { Database, Transaction } from 'better-sqlite3';
import type { SearchPage, SearchPlan } from '../../../search/plan.js';
import { SQLITE_DIALECT } from '../../sql/search/backend.js';
import { compileSearch as compileShared, searchSteps } from '../../sql/search/search-steps.js';
import type { ParamIds } from '../param-ids.js';
import { SqliteCatalog } from './sqlite-catalog.js';
import { cached } from './statement-cache.js';

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
  const steps = searchSteps(new SqliteCatalog(db, params), SQLITE_DIALECT, plan);
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    const stmt = cached(db, step.sql);
    next = steps.next(step.first ? stmt.get(...step.args) : stmt.all(...step.args));
  }
  return next.value;
}

/** The SQL (and arguments) of a plan's first-page query (rids in order) and count query; for tests and EXPLAIN. */
export function compileSearch(db: Database, params: ParamIds, plan: SearchPlan) {
  return compileShared(new SqliteCatalog(db, params), SQLITE_DIALECT, plan);
}
