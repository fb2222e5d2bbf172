import type { Reference, ServiceRequest, Task } from '@medplum/fhirtypes';

/**
 * The names of the programme model (docs/PROGRAMME-MODEL.md) in one place: canonical base, extensions, code
 * systems and the profiles $apply stamps into meta.profile. The profiles take effect in the validator as soon
 * as fhir-profiles/ provides them; until then the validator only warns that they are unknown.
 */

export const FORLOB = 'https://forlob.dk/fhir';

export const EXT = {
  enrolledIn: 'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-enrolledIn',
  episodeOfCare: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
  statusHistory: `${FORLOB}/StructureDefinition/careplan-status-history`,
  stratum: `${FORLOB}/StructureDefinition/careplan-stratum`,
} as const;

export const CS = {
  careteamRole: `${FORLOB}/CodeSystem/careteam-role`,
  sector: `${FORLOB}/CodeSystem/sector`,
  stratification: `${FORLOB}/CodeSystem/stratification`,
  diseaseComplexity: `${FORLOB}/CodeSystem/disease-complexity`,
  selfCareAbility: `${FORLOB}/CodeSystem/self-care-ability`,
  severity: `${FORLOB}/CodeSystem/severity`,
  stratum: `${FORLOB}/CodeSystem/stratum`,
  stratificationMethod: `${FORLOB}/CodeSystem/stratification-method`,
  activityType: `${FORLOB}/CodeSystem/activity-type`,
  programme: `${FORLOB}/CodeSystem/programme`,
} as const;

export const PROFILE = {
  episodeOfCare: `${FORLOB}/StructureDefinition/forlob-episodeofcare`,
  carePlan: `${FORLOB}/StructureDefinition/forlob-careplan`,
  careTeam: `${FORLOB}/StructureDefinition/forlob-careteam`,
  stratification: `${FORLOB}/StructureDefinition/forlob-stratification`,
  task: `${FORLOB}/StructureDefinition/forlob-task`,
} as const;

/** Diagnosis classifications (DK-core). SKS writes ICD-10 with a `D` prefix and no dot. */
export const SYSTEM = {
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  sks: 'urn:oid:1.2.208.176.2.4.12',
  icpc2: 'urn:oid:1.2.208.176.2.31',
  municipality: 'http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes',
} as const;

/** DK-core's extension on Patient.address naming the municipality. */
export const MUNICIPALITY_EXTENSION = 'http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes';

/** Sector codes (who performs an activity) and care-team roles. */
export type Sector = 'general-practice' | 'municipality' | 'hospital';
export type CareTeamRole = 'tovholder' | 'care-coordinator' | 'general-practice' | 'municipality' | 'hospital-department' | 'patient' | 'relative';

/** Action codes of the programme's top-level structure (activity-type codes). */
export const ACTION = { enrolment: 'enrolment', stratification: 'stratification', course: 'course' } as const;
export const APPOINT_TOVHOLDER = 'appoint-tovholder';

/**
 * A reference built from a `Type/id` string. @medplum/fhirtypes types Reference by its target; ours are
 * made from data, so the target type is the validator's to check, not the compiler's.
 */
export type Ref = Reference<any>;

/** Tasks and ServiceRequests still to be done (not completed, cancelled, failed, rejected, revoked or in error). */
const OPEN_TASK = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);
const OPEN_REQUEST = new Set(['draft', 'active', 'on-hold']);
export const isOpenTask = (t: Pick<Task, 'status'>) => OPEN_TASK.has(t.status);
export const isOpenRequest = (r: Pick<ServiceRequest, 'status'>) => OPEN_REQUEST.has(r.status);
