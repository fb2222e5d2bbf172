// Runs the shared search compiler's SQL steps (store/sql/search/) over one PostgreSQL connection.

import type { SearchPage, SearchPlan } from '../../search/plan.js';
import { POSTGRES_DIALECT, type SearchCatalog } from '../sql/search/backend.js';
import { searchSteps } from '../sql/search/search-steps.js';
import { numbered } from './placeholders.js';
import type { Query } from './query.js';
import { noNulArgs } from './values.js';

/** One page of `plan`, every step through `query` (inside a transaction, so all steps read one snapshot). */
export async function runPgSearch(query: Query, catalog: SearchCatalog, plan: SearchPlan): Promise<SearchPage> {
  const steps = searchSteps(catalog, POSTGRES_DIALECT, plan);
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    const { rows } = await query('', numbered(step.sql), noNulArgs(step.args));
    next = steps.next(step.first ? rows[0] : rows);
  }
  return next.value;
}
