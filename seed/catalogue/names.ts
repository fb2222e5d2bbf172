import { CS, FORLOB, SYSTEM } from '../../src/programmes/model.js';

/*
 * The names the catalogue is written in. The programme model's own names (canonical base, code systems,
 * diagnosis systems) come from src/programmes/model.ts, so the seed and $apply cannot drift apart; what only
 * the seed needs is added here.
 */

export { CS, FORLOB, SYSTEM };

/** Every catalogue resource carries this version (semver, docs/PROGRAMME-MODEL.md). */
export const VERSION = '1.0.0';
/** The catalogue's publication date: fixed, so the built content is the same on every start. */
export const CATALOGUE_DATE = '2025-01-01';
export const PUBLISHER = 'Forløb (synthetic catalogue built from the seed documents)';

export const url = {
  planDefinition: (id: string) => `${FORLOB}/PlanDefinition/${id}`,
  activityDefinition: (id: string) => `${FORLOB}/ActivityDefinition/${id}`,
  valueSet: (id: string) => `${FORLOB}/ValueSet/${id}`,
  codeSystem: (id: string) => `${FORLOB}/CodeSystem/${id}`,
} as const;

/** The seed's own code system: the inclusion parameters of the frail-elderly programme (seed document 003). */
export const FRAIL_PARAMETER_SYSTEM = url.codeSystem('frail-elderly-parameter');

export const TERMINOLOGY = {
  ucum: 'http://unitsofmeasure.org',
  loinc: 'http://loinc.org',
  /** NPU (Nomenclature for Properties and Units), the Danish laboratory codes. */
  npu: 'urn:oid:1.2.208.176.2.1',
  planDefinitionType: 'http://terminology.hl7.org/CodeSystem/plan-definition-type',
  iso3166: 'urn:iso:std:iso:3166',
} as const;

/** A Coding of one of the programme model's code systems. */
export function coding(system: string, code: string, display?: string): { system: string; code: string; display?: string } {
  return display ? { system, code, display } : { system, code };
}

/** A CodeableConcept with a single coding. */
export function concept(system: string, code: string, display?: string): { coding: { system: string; code: string; display?: string }[] } {
  return { coding: [coding(system, code, display)] };
}
