import type { Coding, Resource } from '@medplum/fhirtypes';
import { topLevelElements } from './definitions.js';
import type { ResultParams } from '../search/parse.js';

/** The tag a server puts on resources it returns incomplete (FHIR R4 search.html#summary). */
const SUBSETTED: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

/** Whether `_summary` / `_elements` ask for less than the whole resource. */
export function needsShaping(result: Pick<ResultParams, 'summary' | 'elements'>): boolean {
  return (result.summary !== undefined && result.summary !== 'false' && result.summary !== 'count') || !!result.elements?.length;
}

/**
 * Apply `_summary` (true | text | data) or `_elements` to a resource. Returned resources keep
 * resourceType, id and meta, are tagged SUBSETTED, and keep their mandatory top-level elements.
 */
export function shapeResource(resource: Resource, result: Pick<ResultParams, 'summary' | 'elements'>): Resource {
  const { summary, mandatory } = topLevelElements(resource.resourceType);
  let keep: (key: string) => boolean;
  if (result.summary === 'data') {
    keep = (key) => key !== 'text';
  } else if (result.summary === 'text') {
    keep = (key) => key === 'text' || matchesAny(key, mandatory);
  } else if (result.summary === 'true') {
    keep = (key) => matchesAny(key, summary) || matchesAny(key, mandatory);
  } else {
    const wanted = (result.elements ?? []).map((e) => e.split('.').pop()!).filter(Boolean);
    keep = (key) => matchesAny(key, wanted) || matchesAny(key, mandatory);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const base = key.startsWith('_') ? key.slice(1) : key;
    if (key === 'resourceType' || key === 'id' || key === 'meta' || keep(base)) out[key] = value;
  }
  const meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []).filter((t) => t.code !== 'SUBSETTED'), SUBSETTED] };
  return { ...(out as unknown as Resource), meta };
}

/** `name` matches element `name`, and a choice element `value[x]` matches `valueQuantity` etc. */
function matchesAny(key: string, elements: string[]): boolean {
  for (const e of elements) {
    if (e === key) return true;
    if (e.endsWith('[x]')) {
      const stem = e.slice(0, -3);
      if (key === stem || (key.startsWith(stem) && /^[A-Z]/.test(key.slice(stem.length)))) return true;
    }
  }
  return false;
}
