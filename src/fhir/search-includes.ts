import type { Resource } from '@medplum/fhirtypes';
import { includeReferences, revIncludePlans } from '../search/includes.js';
import type { IncludeSpec } from '../search/parse.js';
import { reader, type FhirContext } from './context.js';

/** Most resources one search adds through _include / _revinclude. */
export const MAX_INCLUDED = 1000;
/** Most rounds of `:iterate`. */
const MAX_ROUNDS = 5;

export interface Included {
  resources: Resource[];
  /** True when MAX_INCLUDED cut the list short. */
  truncated: boolean;
}

/**
 * Resolve `_include` and `_revinclude` (with `:iterate`) for a page of matches. Each resource
 * appears once, matches included; deleted targets are skipped.
 */
export async function resolveIncludes(
  ctx: FhirContext,
  matches: Resource[],
  include: IncludeSpec[],
  revinclude: IncludeSpec[],
): Promise<Included> {
  const store = reader(ctx);
  const seen = new Set(matches.map(key));
  const out: Resource[] = [];
  let truncated = false;
  const add = (resources: Resource[]): Resource[] => {
    const fresh: Resource[] = [];
    for (const r of resources) {
      if (seen.has(key(r))) continue;
      if (out.length >= MAX_INCLUDED) {
        truncated = true;
        break;
      }
      seen.add(key(r));
      out.push(r);
      fresh.push(r);
    }
    return fresh;
  };
  const round = async (from: Resource[], inc: IncludeSpec[], rev: IncludeSpec[]): Promise<Resource[]> => {
    const found: Resource[] = [];
    if (inc.length) {
      const refs = includeReferences(from, inc, { baseUrl: ctx.config.baseUrl, exclude: seen });
      for (const v of await store.readMany(refs)) found.push(JSON.parse(v.json!) as Resource);
    }
    for (const plan of revIncludePlans(from, rev, MAX_INCLUDED + 1)) {
      const page = await store.search(plan);
      for (const v of page.versions) found.push(JSON.parse(v.json!) as Resource);
    }
    return add(found);
  };

  let frontier = await round(matches, include, revinclude);
  const incIterate = include.filter((s) => s.iterate);
  const revIterate = revinclude.filter((s) => s.iterate);
  for (let i = 0; i < MAX_ROUNDS && frontier.length && !truncated && (incIterate.length || revIterate.length); i++) {
    frontier = await round(frontier, incIterate, revIterate);
  }
  return { resources: out, truncated };
}

function key(r: Resource): string {
  return `${r.resourceType}/${r.id}`;
}
