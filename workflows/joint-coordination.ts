import { assign, enqueueActions, setup } from 'xstate';
import { jointEventSchemas, type JointEvent } from './joint-coordination-events.js';
import { CONSENT_GIVEN_ACTIONS, HOLD_REGION, NOT_STARTED_ACTIONS } from './shared-steps.js';
import type { MachineDefinition, PlanDefinitionLike } from './machine-definition.js';
import { programmeInput } from './programme-input.js';

/*
 * Joint region–municipality coordination for particularly frail elderly medical patients (seed 003), as data
 * like course-of-care.ts: named actions with params (no-ops here, FHIR effects in the engine), durable timers as
 * scheduleTimer/cancelTimer. Inclusion on parameters or professional judgement → consent → a coordinator (from
 * the municipality, or the joint function at the hospital for the complex strata) in relay handovers; each
 * admission runs the six quality parameters, each recorded on time or late against its deadline timer; after
 * the first discharge, a home visit and the follow-up conversation about three months later end the course.
 */
export const machineId = 'joint-coordination';
export const machineVersion = '1.0.0';

export interface JointInput {
  programme: string;
  /** Strata whose coordinator comes from the joint function at the hospital (seed 003: the complex courses). */
  hospitalStrata: string[];
  handoverDeadline: string;
  /** Deadlines counted from the admission / the discharge (ISO 8601). */
  admissionReportDeadline: string;
  dischargeNoticeDeadline: string;
  dischargeReportDeadline: string;
  dischargeLetterDeadline: string;
  followUpOffset: string;
  initialStratum?: '1' | '2' | '3' | '4';
}

/** Assumptions where seed 003 names "agreed deadlines" without numbers (see docs/WORKFLOW-MODEL.md). */
export const JOINT_DEFAULTS: Omit<JointInput, 'programme' | 'followUpOffset'> = {
  hospitalStrata: ['3', '4'],
  handoverDeadline: 'P7D',
  admissionReportDeadline: 'P1D',
  dischargeNoticeDeadline: 'P2D',
  dischargeReportDeadline: 'P1D',
  dischargeLetterDeadline: 'P1D',
};

export function jointCoordinationInput(plan: PlanDefinitionLike): JointInput {
  const { programme, followUpOffset } = programmeInput(plan as Parameters<typeof programmeInput>[0]);
  return { ...JOINT_DEFAULTS, programme, followUpOffset };
}

interface JointContext {
  input: JointInput;
  coordinator?: string;
  encounter?: string;
  admissions: number;
  /** Quality steps done in the current admission, and deadlines passed (by timer id). */
  done: Record<string, boolean>;
  late: Record<string, boolean>;
  dischargedOnce: boolean;
}

type P = Record<string, unknown>;
const noop = (_: unknown, _params: P) => {};
export const JOINT_ACTION_NAMES = [
  'setCarePlanStatus', 'setEpisodeStatus', 'createTask', 'completeTask', 'cancelTask', 'cancelOpenTasks', 'recordConsent',
  'recordOutcome', 'requestCoordinator', 'assignCoordinator', 'startHandover', 'acceptHandover', 'revokeAllPlansOfPatient',
  'scheduleTimer', 'cancelTimer', 'recordQualityParameter',
] as const;
const actions = Object.fromEntries(JOINT_ACTION_NAMES.map((n) => [n, noop])) as Record<(typeof JOINT_ACTION_NAMES)[number], typeof noop>;

type Ctx = { context: JointContext };
const task = (code: string, reason: string, sector?: string) => ({ type: 'createTask' as const, params: { code, reason, ...(sector && { sector }) } });
const timer = (id: string, event: string, after: (i: JointInput) => string) => ({ type: 'scheduleTimer' as const, params: ({ context }: Ctx) => ({ id, event, after: after(context.input) }) });
const cancelTimer = (id: string) => ({ type: 'cancelTimer' as const, params: { id } });
const markDone = (step: string) => ({ type: 'markDone' as const, params: { step } });
const markLate = (id: string) => ({ type: 'markLate' as const, params: { id } });

/** A quality step of the stay: done once; on time unless its deadline timer fired first. */
function qualityStep(step: string, parameter: string, deadline?: string) {
  return {
    guard: ({ context }: Ctx) => !context.done[step],
    actions: [
      { type: 'recordQualityParameter' as const, params: ({ context }: Ctx) => ({ parameter, onTime: !(deadline && context.late[deadline]), ...(context.encounter && { encounter: context.encounter }) }) },
      { type: 'completeTask' as const, params: { code: step } },
      ...(deadline ? [cancelTimer(deadline)] : []),
      markDone(step),
    ],
  };
}
const overdue = (id: string, what: string) => ({ actions: [markLate(id), task('discharge-escalation', `${what} is late`)] });

export const jointCoordination = setup({
  types: { context: {} as JointContext, events: {} as JointEvent, input: {} as JointInput },
  actions: {
    ...actions,
    markDone: assign(({ context }, params: { step: string }) => ({ done: { ...context.done, [params.step]: true } })),
    markLate: assign(({ context }, params: { id: string }) => ({ late: { ...context.late, [params.id]: true } })),
  },
  guards: {
    hasBasis: ({ event }) => event.type === 'INCLUDED' && ((event.basis?.length ?? 0) > 0 || !!event.judgement?.trim()),
    reportsSent: ({ context }) => !!context.done['discharge-report'] && !!context.done['discharge-letter'],
    dischargedOnce: ({ context }) => context.dischargedOnce,
  },
}).createMachine({
  id: machineId,
  context: ({ input }) => ({ input, admissions: 0, done: {}, late: {}, dischargedOnce: false }),
  initial: 'referral',
  on: {
    WITHDRAW: { target: '.withdrawn', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'withdrawn', reason: event.reason }) }, { type: 'setCarePlanStatus', params: { status: 'revoked' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
    TRANSFER: { target: '.transferred', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'transferred', to: event.to }) }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
    DEATH: { target: '.deceased', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'revokeAllPlansOfPatient', params: ({ event }) => ({ date: event.date }) }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
  },
  states: {
    referral: {
      on: {
        INCLUDED: { guard: 'hasBasis', target: 'awaitingConsent', actions: task('consent', 'included: ask for consent') },
        NOT_INCLUDED: { target: 'notIncluded', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'ineligible', reason: event.reason }) }, ...NOT_STARTED_ACTIONS] },
      },
    },
    notIncluded: { type: 'final' },
    awaitingConsent: {
      on: {
        CONSENT_GIVEN: { target: 'enrolled', actions: CONSENT_GIVEN_ACTIONS },
        CONSENT_DECLINED: { target: 'declined', actions: [{ type: 'completeTask', params: { code: 'consent' } }, { type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'declined', reason: event.reason }) }, ...NOT_STARTED_ACTIONS] },
      },
    },
    declined: { type: 'final' },
    enrolled: {
      type: 'parallel',
      states: {
        hold: HOLD_REGION,
        coordination: {
          initial: 'requested',
          states: {
            requested: {
              entry: [
                { type: 'requestCoordinator', params: ({ context }) => ({ sector: context.input.hospitalStrata.includes(context.input.initialStratum ?? '') ? 'hospital' : 'municipality' }) },
                task('appoint-care-coordinator', 'every included patient gets a care coordinator'),
              ],
              on: { COORDINATOR_ASSIGNED: { target: 'handover', actions: [assign({ coordinator: ({ event }) => event.practitioner }), { type: 'assignCoordinator', params: ({ event }) => ({ practitioner: event.practitioner }) }, { type: 'completeTask', params: { code: 'appoint-care-coordinator' } }] } },
            },
            handover: {
              entry: [{ type: 'startHandover', params: ({ context }) => ({ to: context.coordinator }) }, timer('handover', 'HANDOVER_DEADLINE', (i) => i.handoverDeadline)],
              on: {
                HANDOVER_ACCEPTED: { target: 'coordinated', actions: [{ type: 'acceptHandover', params: ({ context }) => ({ by: context.coordinator }) }, cancelTimer('handover')] },
                HANDOVER_DEADLINE: { actions: task('handover-escalation', 'handover not accepted before the deadline') },
              },
            },
            coordinated: { on: { COORDINATOR_ASSIGNED: { target: 'handover', actions: [assign({ coordinator: ({ event }) => event.practitioner }), { type: 'assignCoordinator', params: ({ event }) => ({ practitioner: event.practitioner }) }] } } },
          },
        },
        stay: {
          initial: 'home',
          states: {
            home: { on: { ADMITTED: { target: 'admitted' } } },
            admitted: {
              entry: [
                assign({ admissions: ({ context }) => context.admissions + 1, encounter: ({ event }) => (event.type === 'ADMITTED' ? event.encounter : undefined), done: {}, late: {} }),
                task('admission-report', 'information at admission (MedCom admission report)', 'municipality'),
                task('joint-discharge-plan', 'a joint plan for the discharge', 'hospital'),
                task('care-course-plan', 'a care-course plan before discharge', 'hospital'),
                task('discharge-readiness-notice', 'notify the municipality that the patient is ready for discharge', 'hospital'),
                timer('admission-report', 'ADMISSION_REPORT_OVERDUE', (i) => i.admissionReportDeadline),
                timer('discharge-notice', 'DISCHARGE_NOTICE_OVERDUE', (i) => i.dischargeNoticeDeadline),
              ],
              on: {
                ADMISSION_REPORT_SENT: qualityStep('admission-report', 'admission-information', 'admission-report'),
                ADMISSION_REPORT_OVERDUE: overdue('admission-report', 'the admission report'),
                JOINT_DISCHARGE_PLAN_MADE: qualityStep('joint-discharge-plan', 'joint-discharge-plan'),
                CARE_COURSE_PLAN_MADE: qualityStep('care-course-plan', 'care-course-plan'),
                READY_FOR_DISCHARGE_NOTIFIED: qualityStep('discharge-readiness-notice', 'discharge-readiness-notice', 'discharge-notice'),
                DISCHARGE_NOTICE_OVERDUE: overdue('discharge-notice', 'the notice of readiness for discharge'),
                DISCHARGED: {
                  target: 'discharged',
                  actions: enqueueActions(({ context, enqueue }) => {
                    // What was not done before the discharge is recorded as missed, and no longer asked for.
                    const missed: [string, string][] = [['admission-report', 'admission-information'], ['joint-discharge-plan', 'joint-discharge-plan'], ['care-course-plan', 'care-course-plan'], ['discharge-readiness-notice', 'discharge-readiness-notice']];
                    for (const [step, parameter] of missed) {
                      if (context.done[step]) continue;
                      enqueue({ type: 'recordQualityParameter', params: { parameter, onTime: false, note: 'not done before the discharge', ...(context.encounter && { encounter: context.encounter }) } });
                      enqueue({ type: 'cancelTask', params: { code: step } });
                    }
                    enqueue(cancelTimer('admission-report'));
                    enqueue(cancelTimer('discharge-notice'));
                  }),
                },
              },
            },
            discharged: {
              entry: [
                assign({ done: ({ context }) => ({ ...context.done, 'discharge-report': false, 'discharge-letter': false }), late: {} }),
                task('discharge-report', 'discharge report to the municipality (MedCom)', 'hospital'),
                task('discharge-letter', 'discharge letter (epicrisis) to general practice', 'hospital'),
                timer('discharge-report', 'DISCHARGE_REPORT_OVERDUE', (i) => i.dischargeReportDeadline),
                timer('discharge-letter', 'DISCHARGE_LETTER_OVERDUE', (i) => i.dischargeLetterDeadline),
              ],
              always: { guard: 'reportsSent', target: 'home', actions: assign({ dischargedOnce: true }) },
              on: {
                DISCHARGE_REPORT_SENT: qualityStep('discharge-report', 'discharge-report', 'discharge-report'),
                DISCHARGE_REPORT_OVERDUE: overdue('discharge-report', 'the discharge report'),
                DISCHARGE_LETTER_SENT: qualityStep('discharge-letter', 'discharge-letter', 'discharge-letter'),
                DISCHARGE_LETTER_OVERDUE: overdue('discharge-letter', 'the discharge letter'),
                ADMITTED: { target: 'admitted' },
              },
            },
          },
        },
        followUp: {
          initial: 'idle',
          states: {
            idle: { always: { guard: 'dischargedOnce', target: 'scheduled' } },
            scheduled: {
              entry: [task('follow-up-home-visit', 'follow-up home visit after the discharge', 'municipality'), timer('follow-up', 'FOLLOW_UP_DUE', (i) => i.followUpOffset)],
              on: { FOLLOW_UP_DUE: { target: 'due', actions: task('follow-up-conversation', 'follow-up about three months after the discharge') } },
            },
            due: {
              on: {
                FOLLOW_UP_DONE: {
                  target: '#joint-coordination.completed',
                  actions: [{ type: 'completeTask', params: { code: 'follow-up-conversation' } }, { type: 'cancelOpenTasks', params: {} }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }],
                },
              },
            },
          },
        },
      },
    },
    completed: { type: 'final' },
    withdrawn: { type: 'final' },
    transferred: { type: 'final' },
    deceased: { type: 'final' },
  },
});

const WHILE_PAUSED = new Set(['RESUME', 'WITHDRAW', 'TRANSFER', 'DEATH', 'HANDOVER_DEADLINE', 'ADMITTED', 'ADMISSION_REPORT_OVERDUE', 'DISCHARGE_NOTICE_OVERDUE', 'DISCHARGE_REPORT_OVERDUE', 'DISCHARGE_LETTER_OVERDUE']);

export function acceptsEvent(snapshot: ReturnType<typeof jointCoordination.resolveState>, event: JointEvent): boolean {
  if (snapshot.matches({ enrolled: { hold: 'paused' } }) && !WHILE_PAUSED.has(event.type)) return false;
  return snapshot.can(event);
}

const FRAIL_ELDERLY = /\/PlanDefinition\/frail-elderly$/;

export const jointCoordinationDefinition: MachineDefinition = {
  id: machineId,
  version: machineVersion,
  machine: jointCoordination,
  eventSchemas: jointEventSchemas,
  acceptsEvent: (snapshot, event) => acceptsEvent(snapshot as ReturnType<typeof jointCoordination.resolveState>, event as JointEvent),
  serves: (plan) => FRAIL_ELDERLY.test(plan.url ?? '') || plan.name === 'FrailElderly',
  input: (plan, facts) => ({ ...jointCoordinationInput(plan), ...(facts.initialStratum && { initialStratum: facts.initialStratum }) }),
  taskEvents: {
    consent: { completed: 'CONSENT_GIVEN', rejected: 'CONSENT_DECLINED' },
    'appoint-care-coordinator': { completed: 'COORDINATOR_ASSIGNED' },
    'coordinator-handover': { completed: 'HANDOVER_ACCEPTED' },
    'admission-report': { completed: 'ADMISSION_REPORT_SENT' },
    'joint-discharge-plan': { completed: 'JOINT_DISCHARGE_PLAN_MADE' },
    'care-course-plan': { completed: 'CARE_COURSE_PLAN_MADE' },
    'discharge-readiness-notice': { completed: 'READY_FOR_DISCHARGE_NOTIFIED' },
    'discharge-report': { completed: 'DISCHARGE_REPORT_SENT' },
    'discharge-letter': { completed: 'DISCHARGE_LETTER_SENT' },
    'follow-up-conversation': { completed: 'FOLLOW_UP_DONE' },
  },
  acuteEncounterEvent: (encounter) => ({ type: 'ADMITTED', encounter }),
  enrolmentEvent: (facts) => (facts.basis?.length ? { type: 'INCLUDED', basis: facts.basis } : { type: 'INCLUDED', judgement: "included by the programme's rules at enrolment ($apply)" }),
};
