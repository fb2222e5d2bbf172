import type { ActivityDefinition, PlanDefinition, PlanDefinitionAction, Resource, ValueSet } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { FhirError, notFound, unprocessable } from '../fhir/errors.js';
import { readCurrentOrFail } from '../fhir/read.js';
import { stripVersion } from '../validation/terminology.js';
import { compileProgramme } from './programme-compile.js';
import { searchResources } from './store-search.js';

/*
 * Reading a programme's content from the store: the PlanDefinition (by id, or by canonical with an optional
 * `|version`), the value sets its expressions name, its ActivityDefinitions, and the inclusion value sets of
 * the whole catalogue (what counts as a chronic disease for stratification).
 */

/** Order semver-like versions numerically part by part ("1.10.0" after "1.9.0"). */
function compareVersions(a = '', b = ''): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest of several versions of a canonical resource, preferring active ones. Without a version, a
 * client means the current programme, not a retired one that happens to share the url.
 */
function newest<T extends Resource & { status?: string; version?: string }>(list: T[]): T | undefined {
  const rank = (r: T) => (r.status === 'active' ? 2 : r.status === 'draft' ? 1 : 0);
  return [...list].sort((a, b) => rank(b) - rank(a) || compareVersions(b.version, a.version))[0];
}

/** Search a canonical resource by `url` or `url|version`. */
async function byCanonical<T extends Resource & { status?: string; version?: string }>(ctx: FhirContext, type: string, canonical: string): Promise<T | undefined> {
  const bar = canonical.indexOf('|');
  const query: Record<string, string[]> = { url: [bar < 0 ? canonical : canonical.slice(0, bar)] };
  if (bar >= 0) query.version = [canonical.slice(bar + 1)];
  return newest(await searchResources<T>(ctx, type, query, 100));
}

export async function programmeById(ctx: FhirContext, id: string): Promise<PlanDefinition> {
  return JSON.parse((await readCurrentOrFail(ctx, 'PlanDefinition', id)).json!) as PlanDefinition;
}

export async function programmeByCanonical(ctx: FhirContext, canonical: string): Promise<PlanDefinition> {
  const plan = await byCanonical<PlanDefinition>(ctx, 'PlanDefinition', canonical);
  return plan ?? notFound(`No PlanDefinition with url ${canonical}`);
}

/**
 * The value sets named by `urls`, with the value sets they import. When `required`, a value set the store
 * does not hold is refused (422): an exclusion on it would silently pass. Otherwise it is left out.
 */
export async function loadValueSets(ctx: FhirContext, urls: string[], required: boolean): Promise<ValueSet[]> {
  const found = new Map<string, ValueSet>();
  const pending = [...urls];
  while (pending.length) {
    const url = pending.pop()!;
    if (found.has(stripVersion(url))) continue;
    const vs = await byCanonical<ValueSet>(ctx, 'ValueSet', url);
    if (!vs && !required) continue;
    if (!vs) unprocessable(`The programme refers to ValueSet ${url}, which this server does not hold`);
    found.set(stripVersion(url), vs!);
    for (const inc of [...(vs!.compose?.include ?? []), ...(vs!.compose?.exclude ?? [])]) pending.push(...(inc.valueSet ?? []));
  }
  return [...found.values()];
}

/** The ActivityDefinitions the programme's actions instantiate, by canonical without version (missing ones are left out). */
export async function loadActivityDefinitions(ctx: FhirContext, plan: PlanDefinition): Promise<Map<string, ActivityDefinition>> {
  const canonicals = new Set<string>();
  const walk = (actions: PlanDefinitionAction[] | undefined) => {
    for (const a of actions ?? []) {
      if (a.definitionCanonical) canonicals.add(a.definitionCanonical);
      walk(a.action);
    }
  };
  walk(plan.action);
  const out = new Map<string, ActivityDefinition>();
  for (const canonical of canonicals) {
    const ad = await byCanonical<ActivityDefinition>(ctx, 'ActivityDefinition', canonical);
    if (ad) out.set(stripVersion(canonical), ad);
  }
  return out;
}

/**
 * The inclusion value sets of every active programme in the catalogue. A programme whose content cannot be
 * compiled is left out here: it must not stop enrolment in the others.
 */
export async function catalogueInclusions(ctx: FhirContext): Promise<string[]> {
  const plans = await searchResources<PlanDefinition>(ctx, 'PlanDefinition', { status: ['active'] }, 500);
  const urls = new Set<string>();
  for (const plan of plans) {
    try {
      for (const url of compileProgramme(plan).inclusion) urls.add(stripVersion(url));
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      ctx.logger.warn({ programme: plan.url, reason: err.message }, 'programme left out of stratification');
    }
  }
  return [...urls];
}
