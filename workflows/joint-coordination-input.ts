import type { PlanDefinitionLike } from './machine-definition.js';
import { programmeInput } from './programme-input.js';

/*
 * PlanDefinition JSON (the frail-elderly programme as seed/catalogue builds it) → the input of the
 * joint-coordination machine. Pure. Seed 003 speaks of "agreed deadlines" (aftalte frister) without numbers: the
 * deadlines in JOINT_DEFAULTS are assumptions, to be set by the local health agreement.
 */
export interface JointInput {
  programme: string; // url|version
  /** Strata whose coordinator comes from the joint function at the hospital (seed 003: the complex courses). */
  hospitalStrata: string[];
  handoverDeadline: string;
  /** Deadlines (ISO 8601 durations) counted from the admission (the first two) or the discharge. */
  admissionReportDeadline: string;
  dischargeNoticeDeadline: string;
  dischargeReportDeadline: string;
  dischargeLetterDeadline: string;
  /** From the (first) discharge to the follow-up conversation. */
  followUpOffset: string;
  /** The stratum $apply computed at enrolment, when it did. */
  initialStratum?: '1' | '2' | '3' | '4';
}

export const JOINT_DEFAULTS: Omit<JointInput, 'programme'> = {
  hospitalStrata: ['3', '4'],
  handoverDeadline: 'P7D',
  admissionReportDeadline: 'P1D',
  dischargeNoticeDeadline: 'P2D',
  dischargeReportDeadline: 'P1D',
  dischargeLetterDeadline: 'P1D',
  followUpOffset: 'P3M',
};

interface Coding { system?: string; code?: string }
interface Action { id?: string; code?: { coding?: Coding[] }[]; action?: Action[]; participant?: { role?: { coding?: Coding[] } }[] }

const SECTOR = 'https://forlob.dk/fhir/CodeSystem/sector';
const codeOf = (a: Action) => a.code?.[0]?.coding?.[0]?.code;
const byHospital = (a: Action) =>
  codeOf(a) === 'appoint-care-coordinator' && (a.participant ?? []).some((p) => p.role?.coding?.some((c) => c.system === SECTOR && c.code === 'hospital'));

export function jointCoordinationInput(plan: PlanDefinitionLike): JointInput {
  const { programme, followUpOffset } = programmeInput(plan as Parameters<typeof programmeInput>[0]);
  // Strata whose appoint-care-coordinator offer is performed by the hospital sector (the joint function).
  const strata = ((plan.action ?? []) as Action[]).find((a) => a.id === 'stratification')?.action ?? [];
  const hospitalStrata = strata.filter((s) => (s.action ?? []).some(byHospital)).map(codeOf).filter((c): c is string => !!c);
  return { ...JOINT_DEFAULTS, programme, followUpOffset, ...(hospitalStrata.length && { hospitalStrata }) };
}
