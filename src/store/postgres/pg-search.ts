// Runs the shared search compiler's SQL steps (store/sql/search/) over one PostgreSQL connection.

import type { SearchPage, SearchPlan } from '../../search/plan.js';
import { POSTGRES_DIALECT, type SearchCatalog, type SqlStep } from '../sql/search/backend.js';
import { searchSteps, type StepResult } from '../sql/search/search-steps.js';
import type { PgCatalog } from './catalog.js';
import { prepared } from './placeholders.js';
import type { Query } from './query.js';
import { noNulArgs } from './values.js';

type Steps = Generator<SqlStep, SearchPage, StepResult>;

/** One page of `plan`, every step through `query` (inside a transaction, so all steps read one snapshot). */
export function runPgSearch(query: Query, catalog: SearchCatalog, plan: SearchPlan): Promise<SearchPage> {
  const steps = searchSteps(catalog, POSTGRES_DIALECT, plan);
  return drive(query, steps, steps.next());
}

/**
 * One page of `plan` in a read-only snapshot of its own, on a connection in pipeline mode. BEGIN, the
 * catalogue version and the first step (compiled against this node's newest catalogue copy) go out
 * together, so a page that needs one query costs one round trip before COMMIT. Should another node have
 * changed the catalogue since (a new parameter, wider date statistics), the search runs again in the same
 * snapshot against a copy at least as new as the snapshot shows.
 */
export async function searchInSnapshot(query: Query, catalogs: PgCatalog, plan: SearchPlan): Promise<SearchPage> {
  const optimistic = catalogs.latest;
  const steps = searchSteps(optimistic, POSTGRES_DIALECT, plan);
  const first = steps.next(); // compiled before anything is sent: a bad cursor fails here
  const begun = settled(query('', 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', []));
  const version = settled(catalogs.versionIn(query));
  const firstRows = first.done ? undefined : settled(runStep(query, first.value));
  await begun;
  const current = await version;
  if (current > optimistic.version) {
    await firstRows?.catch(() => undefined);
    return runPgSearch(query, await catalogs.loadIn(query, current), plan);
  }
  return drive(query, steps, first, firstRows);
}

/**
 * A first page that needs one query (most searches: no cursor, no count beyond the page) as a single
 * statement, outside any explicit transaction: one statement reads one snapshot by itself. The catalogue
 * version is read by the statement sent right after it, so it is at least the version the page query
 * saw; when this node's copy is that new, the query was compiled right. Undefined when the search needs
 * more (another step, a newer catalogue): the caller then runs it in a snapshot (searchInSnapshot).
 */
export async function searchInOneStatement(query: Query, catalogs: PgCatalog, plan: SearchPlan): Promise<SearchPage | undefined> {
  if (plan.page) return undefined; // later pages probe for the previous one: several steps
  const optimistic = catalogs.latest;
  const steps = searchSteps(optimistic, POSTGRES_DIALECT, plan);
  const first = steps.next();
  if (first.done) return first.value;
  const rows = settled(runStep(query, first.value));
  const version = settled(catalogs.versionIn(query));
  const result = await rows;
  if ((await version) > optimistic.version) return undefined;
  const next = steps.next(result);
  return next.done ? next.value : undefined;
}

/** Runs the generator to its end; the first step's rows may already be on their way. */
async function drive(query: Query, steps: Steps, first: IteratorResult<SqlStep, SearchPage>, firstRows?: Promise<StepResult>): Promise<SearchPage> {
  let next = first;
  let pending = firstRows;
  while (!next.done) {
    const rows = await (pending ?? runStep(query, next.value));
    pending = undefined;
    next = steps.next(rows);
  }
  return next.value;
}

async function runStep(query: Query, step: SqlStep): Promise<StepResult> {
  const statement = prepared(step.sql);
  const { rows } = await query(statement.name, statement.text, noNulArgs(step.args));
  return step.first ? rows[0] : rows;
}

/** `p` with its rejection marked as handled (it is still awaited, or deliberately dropped after a failure). */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
