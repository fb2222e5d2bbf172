import type { Stratum } from './events.js';

/*
 * PlanDefinition JSON (as seed/catalogue builds it) → the input of the course-of-care machine. Pure; defaults
 * are stated in DEFAULTS and used where the PlanDefinition says nothing.
 */
export interface CourseInput {
  programme: string; // url|version
  educationSessions: number;
  usesSeverity: boolean;
  coordinatorStrata: string[];
  clarifyingDeadline: string;
  handoverDeadline: string;
  followUpOffset: string;
  annualControl: string;
  absenceThreshold: number;
  /** The stratum computed at enrolment ($apply), already recorded; absent when the course starts unstratified. */
  initialStratum?: Stratum;
}

export const DEFAULTS: Omit<CourseInput, 'programme'> = {
  educationSessions: 6,
  usesSeverity: false,
  coordinatorStrata: ['4'],
  clarifyingDeadline: 'P14D',
  handoverDeadline: 'P7D',
  followUpOffset: 'P3M',
  annualControl: 'P1Y',
  absenceThreshold: 2,
};

interface Action { id?: string; code?: { coding?: { code?: string }[] }[]; action?: Action[]; condition?: { expression?: { expression?: string } }[]; timingTiming?: { repeat?: { count?: number } }; relatedAction?: { offsetDuration?: { value?: number; code?: string } }[] }
interface PlanDefinitionLike { url?: string; version?: string; action?: Action[] }

const ISO_UNIT: Record<string, string> = { wk: 'W', mo: 'M', a: 'Y', d: 'D' };
const codeOf = (a: Action) => a.code?.[0]?.coding?.[0]?.code;

export function programmeInput(plan: PlanDefinitionLike): CourseInput {
  const top = plan.action ?? [];
  const course = top.find((a) => a.id === 'course')?.action ?? [];
  const strata = top.find((a) => a.id === 'stratification')?.action ?? [];
  const sessions = course.find((a) => codeOf(a) === 'education-session')?.timingTiming?.repeat?.count;
  const offset = course.find((a) => codeOf(a) === 'follow-up-conversation')?.relatedAction?.[0]?.offsetDuration;
  const usesSeverity = strata.some((s) => (s.condition ?? []).some((c) => c.expression?.expression?.includes('%severity')));
  const coordinatorStrata = strata
    .filter((s) => (s.action ?? []).some((a) => codeOf(a) === 'appoint-care-coordinator'))
    .map((s) => codeOf(s))
    .filter((c): c is string => !!c);
  return {
    ...DEFAULTS,
    programme: `${plan.url ?? ''}|${plan.version ?? ''}`,
    ...(sessions && { educationSessions: sessions }),
    usesSeverity,
    ...(coordinatorStrata.length && { coordinatorStrata }),
    ...(offset?.value && offset.code && ISO_UNIT[offset.code] && { followUpOffset: `P${offset.value}${ISO_UNIT[offset.code]}` }),
  };
}
