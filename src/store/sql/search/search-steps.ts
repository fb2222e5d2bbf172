// One page of a SearchPlan as a sequence of SQL steps (generator): the backend runs each step and sends
// its rows back in. The logic of a search is written once; SQLite drives it synchronously inside a read
// transaction (store/sqlite/search/run-search.ts), PostgreSQL with awaits (store/postgres/pg-search.ts).
// The query shapes, paging rules and date/number semantics are described in run-search.ts.

import type { SearchPage, SearchPlan } from '../../../search/plan.js';
import { toStored, type VersionRow } from '../version-rows.js';
import type { SearchCatalog, SqlDialect, SqlStep } from './backend.js';
import { Compiler } from './compiler.js';
import { decodeCursor, encodeCursor, encodeRaw, rowCursor, type Cursor, type KeyRow } from './cursor.js';
import { exists, MAX_SEQ, pageQuery, rowMatches, source, watermarkFilter } from './paging.js';
import type { FilterMode } from './selectivity.js';
import { sortSignature, type KeyExpr } from './sort-keys.js';

/** What a step yields back: all rows, or (a `first` step) the first row or undefined. */
export type StepResult = unknown;

export function* searchSteps(catalog: SearchCatalog, dialect: SqlDialect, plan: SearchPlan): Generator<SqlStep, SearchPage, StepResult> {
  const c = new Compiler(catalog, dialect);
  const keys = c.sortKeys('r', plan.types, plan.sort);
  const where = c.resourceFilter('r', plan.types, plan.where, pageMode(plan, keys));
  const rowWhere = c.resourceFilter('r', plan.types, plan.where, { kind: 'row' });
  const signature = sortSignature(plan.sort);
  const page: SearchPage = { versions: [] };
  /** Whether the query of `step` finds a row (no step: it cannot). */
  function* found(step: SqlStep | undefined): Generator<SqlStep, boolean, StepResult> {
    return step !== undefined && (yield step) !== undefined;
  }

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
  const watermark = mutable ? (cursor ? cursor.w : ((yield MAX_SEQ) as { m: number }).m) : undefined;
  const src = source(where, keys, watermarkFilter(cursor ? watermark : undefined), rowWhere);

  if (plan.count > 0) {
    const q = pageQuery(dialect, src, cursor, backward, plan.count + 1, plan.offset);
    const rows = (yield q) as (KeyRow & VersionRow)[];
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
      const cursorRow = cursor !== undefined && !cursor.i && (yield* found(rowMatches(src, cursor.r)));
      if (backward) {
        if (more) page.previous = make(first);
        if (cursorRow || (yield* found(exists(src, rowCursor(keys, last), 'after')))) page.next = make(last);
      } else {
        if (more) page.next = make(last);
        if ((cursor || plan.offset > 0) && (cursorRow || (yield* found(exists(src, rowCursor(keys, first), 'before'))))) page.previous = make(first);
      }
    } else if (cursor) {
      // An empty page (its rows went away since the cursor was made): link back to the rows on the
      // other side of the cursor, the cursor's own row included.
      const flipped: Cursor = { ...cursor, s: signature, i: 1 };
      if (backward) {
        if (yield* found(exists(src, flipped, 'after'))) page.next = encodeRaw(flipped);
      } else if (yield* found(exists(src, flipped, 'before'))) {
        page.previous = encodeRaw(flipped);
      }
    }
  }
  if (plan.total !== 'none') {
    if (plan.count > 0 && !cursor && plan.offset === 0 && page.next === undefined) {
      page.total = page.versions.length; // the whole result fits on the first page
    } else {
      const count = countQuery(c, plan);
      page.total = ((yield { ...count, first: true }) as { n: number }).n;
    }
  }
  return page;
}

function countQuery(c: Compiler, plan: SearchPlan): { sql: string; args: unknown[] } {
  const all = c.resourceFilter('r', plan.types, plan.where, { kind: 'all' });
  return { sql: `SELECT count(*) AS n FROM resources r WHERE ${all.sql}`, args: all.args };
}

/** The SQL (and arguments) of a plan's first-page query (rids in order) and count query; for tests and EXPLAIN. */
export function compileSearch(
  catalog: SearchCatalog,
  dialect: SqlDialect,
  plan: SearchPlan,
): { page: { sql: string; args: unknown[] }; count: { sql: string; args: unknown[] } } {
  const c = new Compiler(catalog, dialect);
  const keys = c.sortKeys('r', plan.types, plan.sort);
  const where = c.resourceFilter('r', plan.types, plan.where, pageMode(plan, keys));
  const rowWhere = c.resourceFilter('r', plan.types, plan.where, { kind: 'row' });
  let cursor: Cursor | undefined;
  let backward = false;
  if (plan.page) {
    backward = 'before' in plan.page;
    cursor = decodeCursor('before' in plan.page ? plan.page.before : plan.page.after, sortSignature(plan.sort), keys);
  }
  return {
    page: pageQuery(dialect, source(where, keys, watermarkFilter(cursor?.w), rowWhere), cursor, backward, plan.count + 1, plan.offset),
    count: countQuery(c, plan),
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
