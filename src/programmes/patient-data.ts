import type { Condition, Encounter, EpisodeOfCare, Observation, Patient } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { readCurrentOrFail } from '../fhir/read.js';
import { stripVersion } from '../validation/terminology.js';
import { isCountingCondition, type PatientData } from './eligibility.js';
import { EXT } from './model.js';
import { searchResources } from './store-search.js';

/*
 * The patient's data as programme expressions see it, read from the store (through the open transaction
 * when $apply persists). Observations are read newest first, so the limit drops the oldest.
 */

export async function gatherPatientData(ctx: FhirContext, patientId: string, today: string): Promise<PatientData> {
  const patient = JSON.parse((await readCurrentOrFail(ctx, 'Patient', patientId)).json!) as Patient;
  const byPatient = { patient: [`Patient/${patientId}`] };
  const [conditions, observations, encounters] = await Promise.all([
    searchResources<Condition>(ctx, 'Condition', byPatient),
    searchResources<Observation>(ctx, 'Observation', { ...byPatient, _sort: ['-date'] }),
    searchResources<Encounter>(ctx, 'Encounter', byPatient),
  ]);
  return {
    patient,
    conditions: conditions.filter(isCountingCondition),
    observations: observations.filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled'),
    encounters: encounters.filter((e) => e.status !== 'entered-in-error'),
    today,
  };
}

/** The programme canonical an EpisodeOfCare enrols in (cpg-enrolledIn), without version. */
export function enrolledIn(episode: EpisodeOfCare): string | undefined {
  const value = episode.extension?.find((e) => e.url === EXT.enrolledIn)?.valueCanonical;
  return value ? stripVersion(value) : undefined;
}

/** The patient's open enrolments: EpisodeOfCare planned (awaiting consent), waitlisted, active or on hold. */
export async function openEnrolments(ctx: FhirContext, patientId: string): Promise<EpisodeOfCare[]> {
  return searchResources<EpisodeOfCare>(ctx, 'EpisodeOfCare', { patient: [`Patient/${patientId}`], status: ['planned,waitlist,active,onhold'] });
}
