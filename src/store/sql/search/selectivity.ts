// Driver selection support: how a filter is compiled (FilterMode), driving candidates, which conditions
// can drive, and the bounds of the selectivity probes (counts up to CAP, see SearchCatalog.probe) that steer the plan.

import type { Condition } from '../../../search/plan.js';
import type { Frag } from './sql-fragments.js';

/** Estimates count index rows up to this many (see Compiler.estimate). */
export const CAP = 2000;
/** How long a probe's count is reused (ms); an estimate only steers the plan, never the result. */
export const PROBE_TTL = 10_000;
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
