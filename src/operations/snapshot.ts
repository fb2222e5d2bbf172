import type { Parameters, ParametersParameter, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { reader, type FhirContext } from '../fhir/context.js';
import { badRequest, notFound } from '../fhir/errors.js';
import { readCurrentOrFail } from '../fhir/read.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { resourceBody } from '../fhir/resource-types.js';
import { assertValid } from '../fhir/write.js';
import { buildSearchPlan } from '../search/parse.js';
import { chainResolvers, resolveR4Definition } from '../validation/snapshot-bases.js';
import { canonicalUrl } from '../validation/snapshot-ids.js';
import { generateSnapshot, type SnapshotResolver } from '../validation/snapshot.js';
import type { OperationDefinitionEntry } from './registry.js';

/** Most StructureDefinitions looked up in the store for one generation (bases, extensions, targets). */
const MAX_LOOKUPS = 100;

/**
 * StructureDefinition/$snapshot (http://hl7.org/fhir/R4/structuredefinition-operation-snapshot.html):
 * the StructureDefinition with a snapshot generated from its differential. Type level with the
 * definition as the `definition` parameter, as the body, or a `url` of a stored one; instance level for
 * a stored one. Bases and extensions come from R4 or from the store. Nothing is stored.
 */
export const snapshotOperation: OperationDefinitionEntry = {
  name: 'snapshot',
  definition: 'http://hl7.org/fhir/OperationDefinition/StructureDefinition-snapshot',
  levels: ['type', 'instance'],
  resourceTypes: ['StructureDefinition'],
  methods: ['GET', 'POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const sd = await definitionOf(ctx, req);
    assertValid(ctx, sd); // the generator relies on well-formed input (400/422 otherwise)
    const resolve = await storeResolver(ctx, sd);
    return { status: 200, body: generateSnapshot(sd, resolve) };
  },
};

async function definitionOf(ctx: FhirContext, req: FhirRequest): Promise<StructureDefinition> {
  if (req.id !== undefined) {
    const stored = await readCurrentOrFail(ctx, 'StructureDefinition', req.id);
    return JSON.parse(stored.json!) as StructureDefinition;
  }
  let url = req.query.url?.[0];
  if (req.body !== undefined) {
    const body = req.body as Resource;
    if (body?.resourceType !== 'Parameters') return resourceBody(body, 'StructureDefinition') as StructureDefinition;
    const parts = (body as Parameters).parameter;
    if (parts !== undefined && !Array.isArray(parts)) badRequest('Parameters.parameter must be an array', ['Parameters.parameter']);
    const definition = parts?.find((p) => p?.name === 'definition')?.resource;
    if (definition) return resourceBody(definition, 'StructureDefinition') as StructureDefinition;
    url = stringValue(parts?.find((p) => p?.name === 'url')) ?? url;
  }
  if (!url) badRequest('$snapshot needs a StructureDefinition: a "definition" parameter or body, a "url", or an instance id');
  return (await findByUrl(ctx, url)) ?? notFound(`No StructureDefinition with url ${url}`);
}

function stringValue(p: ParametersParameter | undefined): string | undefined {
  return p?.valueString ?? p?.valueUri ?? p?.valueCanonical ?? p?.valueUrl;
}

/** A stored StructureDefinition by canonical URL (`url|version` selects the version). */
async function findByUrl(ctx: FhirContext, canonical: string): Promise<StructureDefinition | undefined> {
  const [url, version] = canonical.split('|');
  const query: Record<string, string[]> = { url: [url] };
  if (version) query.version = [version];
  const { plan } = buildSearchPlan(['StructureDefinition'], query, { defaultCount: 1, maxCount: 1, baseUrl: ctx.config.baseUrl });
  const page = await reader(ctx).search(plan);
  const json = page.versions[0]?.json;
  return json ? (JSON.parse(json) as StructureDefinition) : undefined;
}

/**
 * The generator resolves synchronously, so the StructureDefinitions the definition names (its base
 * chain, type profiles and target profiles, and theirs) are read from the store first. R4's own
 * definitions win over stored copies.
 */
async function storeResolver(ctx: FhirContext, sd: StructureDefinition): Promise<SnapshotResolver> {
  const found = new Map<string, StructureDefinition>();
  const seen = new Set<string>();
  const queue = canonicalsOf(sd);
  while (queue.length && seen.size < MAX_LOOKUPS) {
    const url = canonicalUrl(queue.shift()!);
    if (seen.has(url) || url === sd.url || resolveR4Definition(url)) continue;
    seen.add(url);
    const stored = await findByUrl(ctx, url);
    if (!stored) continue;
    found.set(url, stored);
    queue.push(...canonicalsOf(stored));
  }
  return chainResolvers(resolveR4Definition, (url) => found.get(canonicalUrl(url)));
}

function canonicalsOf(sd: StructureDefinition): string[] {
  const out = sd.baseDefinition ? [sd.baseDefinition] : [];
  const elements = Array.isArray(sd.differential?.element) ? sd.differential.element : [];
  for (const el of elements) {
    for (const t of Array.isArray(el?.type) ? el.type : []) out.push(...(t?.profile ?? []), ...(t?.targetProfile ?? []));
  }
  return out.filter((u): u is string => typeof u === 'string' && u.length > 0);
}
