import { getSearchParameter } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { extractIndex } from '../search/extract.js';
import { compileExpression, registerSearchParameter } from '../search/params.js';
import type { Store } from '../store/types.js';
import type { Resource } from '@medplum/fhirtypes';
import { invalidateCapabilities } from './capabilities.js';
import { unprocessable } from './errors.js';
import { isSupportedType } from './resource-types.js';

const BASE_URL = 'http://hl7.org/fhir/SearchParameter/';

/** Reindexing in progress, per resource type (tests and operators can await it). */
export const reindexing = new Map<string, Promise<number>>();

/**
 * A SearchParameter written to the store. An `active` one with a usable expression takes effect
 * once its write commits: new writes are indexed by it, and existing resources of its base types
 * are reindexed in the background. One that would replace a built-in R4 parameter of the same code
 * is stored but not activated. An active one whose expression does not compile is refused (422).
 */
export function prepareSearchParameter(sp: SearchParameter, store: Store, log: (msg: string, err?: unknown) => void): () => void {
  if (!usable(sp)) return () => undefined;
  for (const base of sp.base ?? []) {
    try {
      compileExpression(base, sp.expression!);
    } catch (err) {
      unprocessable(`SearchParameter expression does not compile for ${base}: ${(err as Error).message}`, ['SearchParameter.expression']);
    }
  }
  return () => {
    activateSearchParameter(sp, log);
    for (const base of activeBases(sp)) {
      const job = (reindexing.get(base) ?? Promise.resolve(0))
        .catch(() => 0)
        .then(() => store.reindex(base, (json) => extractIndex(JSON.parse(json) as Resource)));
      reindexing.set(base, job);
      job.then(
        (n) => log(`reindexed ${n} ${base} resources for SearchParameter ${sp.url}`),
        (err) => log(`reindexing ${base} for SearchParameter ${sp.url} failed`, err),
      );
    }
  };
}

/** Register a stored SearchParameter (at start-up: its index rows are already in the store). */
export function activateSearchParameter(sp: SearchParameter, log: (msg: string) => void): void {
  if (!usable(sp)) return;
  const bases = activeBases(sp);
  if (bases.length < (sp.base ?? []).length)
    log(`SearchParameter ${sp.url} is not activated for base(s) where it would replace a built-in parameter "${sp.code}"`);
  if (bases.length === 0) return;
  registerSearchParameter({ ...sp, base: bases as SearchParameter['base'] });
  invalidateCapabilities();
}

function usable(sp: SearchParameter): boolean {
  return sp.status === 'active' && !!sp.code && !!sp.expression && !!sp.type && !!sp.base?.length;
}

/** The bases where the parameter does not replace a built-in one, and that this server stores. */
function activeBases(sp: SearchParameter): string[] {
  return (sp.base ?? []).filter((base) => {
    if (!isSupportedType(base)) return false;
    const existing = getSearchParameter(base, sp.code!);
    return !existing || existing.url === sp.url || !existing.url?.startsWith(BASE_URL);
  });
}
