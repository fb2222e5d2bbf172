import type { Resource } from '@medplum/fhirtypes';
import { buildCatalogue } from './catalogue/index.js';
import { buildReferenceData } from './reference/build-reference.js';

/**
 * Everything loaded into an empty store on first start (src/programmes/seed-loader.ts): the programme
 * catalogue (CodeSystem, ValueSets, ActivityDefinitions, PlanDefinitions) and the reference organisations
 * and practitioners. The demo population is separate (seed/demo, `npm run demo`).
 */
export function seedResources(): Resource[] {
  return [...buildCatalogue(), ...buildReferenceData()];
}

export { buildCatalogue, PROGRAMMES } from './catalogue/index.js';
export { buildReferenceData } from './reference/build-reference.js';
