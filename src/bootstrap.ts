import fs from 'node:fs';
import path from 'node:path';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { activateSearchParameter } from './fhir/search-parameters.js';
import type { FhirContext } from './fhir/context.js';
import { dispatch } from './fhir/dispatch.js';
import { FhirError } from './fhir/errors.js';
import type { Logger } from './log.js';

const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem'];

/**
 * Load the server's own conformance content (JSON files under `dir`, e.g. fhir-profiles/) into the
 * store where it is missing, then let the validator learn every profile, value set and code system
 * the store holds, uploaded ones included.
 */
export async function loadConformanceContent(ctx: FhirContext, dir: string, logger: Logger): Promise<void> {
  let created = 0;
  for (const resource of readResources(dir)) {
    if (!resource.id) throw new Error(`${resource.resourceType} in ${dir} has no id`);
    const existing = await ctx.store.readCurrent(resource.resourceType, resource.id);
    if (existing) continue;
    await dispatch(ctx, {
      method: 'PUT',
      resourceType: resource.resourceType,
      id: resource.id,
      query: {},
      headers: {},
      body: resource,
    });
    created++;
  }
  for (let offset = 0; ; offset += 500) {
    const page = await ctx.store.search({ types: ['SearchParameter'], where: [], sort: [], count: 500, offset, total: 'none' });
    for (const v of page.versions) activateSearchParameter(JSON.parse(v.json!) as SearchParameter, (msg) => logger.warn(msg));
    if (page.versions.length < 500) break;
  }
  let learned = 0;
  for (const type of CONFORMANCE_TYPES) {
    for (let offset = 0; ; offset += 500) {
      const page = await ctx.store.search({ types: [type], where: [], sort: [], count: 500, offset, total: 'none' });
      for (const v of page.versions) {
        try {
          ctx.validator.learn(JSON.parse(v.json!) as Resource);
          learned++;
        } catch (err) {
          const msg = err instanceof FhirError ? err.message : String(err);
          logger.warn({ resource: `${v.type}/${v.id}`, reason: msg }, 'conformance resource not usable');
        }
      }
      if (page.versions.length < 500) break;
    }
  }
  logger.info({ created, learned }, 'conformance content loaded');
}

function readResources(dir: string): Resource[] {
  if (!fs.existsSync(dir)) return [];
  const out: Resource[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Resource;
    if (json.resourceType === 'Bundle') for (const e of json.entry ?? []) e.resource && out.push(e.resource);
    else out.push(json);
  }
  return out;
}
