import type { Resource } from '@medplum/fhirtypes';
import { findMatches, parseCriteria } from './conditional.js';
import type { FhirContext } from './context.js';
import { FhirError, outcome } from './errors.js';
import { isSupportedType } from './resource-types.js';

const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]+)\?(.+)$/;

/**
 * Rewrite references inside a transaction entry's resource: fullUrls of other entries
 * (`urn:uuid:…`, absolute or relative URLs) become `Type/id`, and conditional references
 * (`Patient?identifier=…`) are resolved to the one resource they match (else 412).
 * Narrative links to entry fullUrls are rewritten too.
 */
export async function rewriteReferences(
  ctx: FhirContext,
  resource: Resource,
  ids: Map<string, string>,
  index: number,
): Promise<Resource> {
  const conditional = new Map<string, string>();
  const pending: string[] = [];
  collectConditional(resource, pending);
  for (const ref of pending) {
    if (conditional.has(ref)) continue;
    const [, type, criteria] = CONDITIONAL_REFERENCE.exec(ref)!;
    const matches = await findMatches(ctx, type, parseCriteria(criteria));
    if (matches.length !== 1)
      throw new FhirError(
        412,
        outcome('error', matches.length ? 'multiple-matches' : 'not-found',
          `Bundle.entry[${index}]: conditional reference ${ref} matched ${matches.length} resources (exactly one is needed)`),
      );
    conditional.set(ref, `${type}/${matches[0].id}`);
  }
  return rewrite(resource, ids, conditional) as Resource;
}

function collectConditional(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectConditional(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') {
        const m = CONDITIONAL_REFERENCE.exec(v);
        if (m && isSupportedType(m[1])) out.push(v);
      } else collectConditional(v, out);
    }
  }
}

function rewrite(value: unknown, ids: Map<string, string>, conditional: Map<string, string>, key?: string): unknown {
  if (typeof value === 'string') {
    if (key === 'reference') return ids.get(value) ?? conditional.get(value) ?? value;
    if (key === 'div') return rewriteNarrative(value, ids);
    return value.startsWith('urn:uuid:') ? (ids.get(value) ?? value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => rewrite(v, ids, conditional, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, ids, conditional, k);
    return out;
  }
  return value;
}

function rewriteNarrative(div: string, ids: Map<string, string>): string {
  if (!div.includes('urn:uuid:')) return div;
  return div.replace(/urn:uuid:[0-9a-fA-F-]{36}/g, (m) => ids.get(m) ?? m);
}
