import type { Resource } from '@medplum/fhirtypes';
import { extractParam } from './extract.js';
import { getParam, indexedParams, type ParamInfo } from './params.js';
import type { IncludeSpec } from './parse.js';
import type { Condition, SearchPlan } from './plan.js';

export interface ResourceRef {
  type: string;
  id: string;
}

/**
 * `_include`: the local resources referenced from `resources` through the specs' reference
 * parameters (re-extracted from the resources, only the parameters asked for). Absolute references
 * count only when they start with `baseUrl`; contained (`#x`) and external references are skipped.
 * Resources in `exclude` (keys "Type/id", e.g. the page itself) and duplicates are left out.
 *
 * For `_include:iterate`, call again with the resources just loaded and the iterate specs only,
 * until nothing new comes back (bounded by the caller).
 */
export function includeReferences(
  resources: Resource[],
  specs: IncludeSpec[],
  options: { baseUrl?: string; exclude?: Set<string> } = {},
): ResourceRef[] {
  const base = options.baseUrl?.replace(/\/+$/, '');
  const seen = new Set<string>(options.exclude ?? []);
  const out: ResourceRef[] = [];
  for (const resource of resources) {
    for (const spec of specs) {
      if (spec.sourceType !== '*' && spec.sourceType !== resource.resourceType) continue;
      for (const param of paramsFor(resource.resourceType, spec.code)) {
        for (const row of extractParam(resource, param).reference) {
          if (!row.targetType || !row.targetId) continue;
          if (row.url !== null && (!base || !row.url.startsWith(`${base}/`))) continue;
          if (spec.targetType && spec.targetType !== row.targetType) continue;
          const key = `${row.targetType}/${row.targetId}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ type: row.targetType, id: row.targetId });
        }
      }
    }
  }
  return out;
}

/**
 * `_revinclude`: one search plan per spec for the `sourceType` resources whose reference parameter
 * points to any of `resources` (restricted to the spec's target type, when given). Plans for specs
 * that cannot match anything are left out.
 */
export function revIncludePlans(resources: Resource[], specs: IncludeSpec[], maxCount: number): SearchPlan[] {
  const plans: SearchPlan[] = [];
  for (const spec of specs) {
    if (spec.sourceType === '*') continue;
    const targets = resources
      .filter((r) => r.id && (!spec.targetType || spec.targetType === r.resourceType))
      .map((r) => ({ targetType: r.resourceType, targetId: r.id as string }));
    if (targets.length === 0) continue;
    const params = paramsFor(spec.sourceType, spec.code);
    if (params.length === 0) continue;
    const conditions: Condition[] = params.map((p) => ({ kind: 'reference', code: p.code, any: targets }));
    plans.push({
      types: [spec.sourceType],
      where: conditions.length === 1 ? conditions : [{ kind: 'anyOf', alternatives: conditions }],
      sort: [],
      count: maxCount,
      offset: 0,
      total: 'none',
    });
  }
  return plans;
}

function paramsFor(type: string, code: string): ParamInfo[] {
  if (code === '*') return indexedParams(type).filter((p) => p.type === 'reference');
  const p = getParam(type, code);
  return p && p.type === 'reference' ? [p] : [];
}
