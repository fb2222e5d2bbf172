import { assign, enqueueActions, setup } from 'xstate';
import { FRAIL_PARAMETERS, jointEventSchemas, type JointEvent } from './joint-coordination-events.js';
import { jointCoordinationInput, type JointInput } from './joint-coordination-input.js';
import { CONSENT_GIVEN_ACTIONS, HOLD_REGION, NOT_STARTED_ACTIONS } from './shared-steps.js';
import type { MachineDefinition } from './machine-definition.js';

export { JOINT_DEFAULTS, jointCoordinationInput, type JointInput } from './joint-coordination-input.js';

/*
 * Joint region–municipality coordination for particularly frail elderly medical patients (seed 003), as data
 * like course-of-care.ts: named actions with params (no-ops here, FHIR effects in the engine), durable timers as
 * scheduleTimer/cancelTimer. Inclusion on parameters or professional judgement → consent → a coordinator (from
 * the municipality, or the joint function at the hospital for the complex strata) in relay handovers; each
 * admission runs the six quality parameters, each recorded on time or late against its deadline timer; after
 * the first discharge, a home visit and the follow-up conversation about three months later end the course.
 * Input and its defaults: joint-coordination-input.ts.
 */
export const machineId = 'joint-coordination';
export const machineVersion = '1.0.0';

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
type Emitted = { type: 'recordQualityParameter' | 'cancelTask' | 'cancelTimer'; params: P };
const task = (code: string, reason: string, sector?: string) => ({ type: 'createTask' as const, params: { code, reason, ...(sector && { sector }) } });
const timer = (id: string, event: string, after: (i: JointInput) => string) => ({ type: 'scheduleTimer' as const, params: ({ context }: Ctx) => ({ id, event, after: after(context.input) }) });
const cancelTimer = (id: string) => ({ type: 'cancelTimer' as const, params: { id } });
const notDone = (step: string) => ({ type: 'notDone' as const, params: { step } });

/** A quality step of a stay: its Task (code, reason, sector), the quality parameter it records, its deadline timer. */
interface QualityStep { step: string; parameter: string; timer?: string; reason: string; sector: string }
const AT_ADMISSION: QualityStep[] = [
  { step: 'admission-report', parameter: 'admission-information', timer: 'admission-report', reason: 'information at admission (MedCom admission report)', sector: 'municipality' },
  { step: 'joint-discharge-plan', parameter: 'joint-discharge-plan', reason: 'a joint plan for the discharge', sector: 'hospital' },
  { step: 'care-course-plan', parameter: 'care-course-plan', reason: 'a care-course plan before discharge', sector: 'hospital' },
  { step: 'discharge-readiness-notice', parameter: 'discharge-readiness-notice', timer: 'discharge-notice', reason: 'notify the municipality that the patient is ready for discharge', sector: 'hospital' },
];
const AT_DISCHARGE: QualityStep[] = [
  { step: 'discharge-report', parameter: 'discharge-report', timer: 'discharge-report', reason: 'discharge report to the municipality (MedCom)', sector: 'hospital' },
  { step: 'discharge-letter', parameter: 'discharge-letter', timer: 'discharge-letter', reason: 'discharge letter (epicrisis) to general practice', sector: 'hospital' },
];
const Q = Object.fromEntries([...AT_ADMISSION, ...AT_DISCHARGE].map((q) => [q.step, q])) as Record<string, QualityStep>;
const encounterOf = (context: JointContext) => (context.encounter ? { encounter: context.encounter } : {});

/** The step done: recorded once per stay, on time unless its deadline timer fired first. */
function qualityDone({ step, parameter, timer: id }: QualityStep) {
  return {
    guard: notDone(step),
    actions: [
      { type: 'recordQualityParameter' as const, params: ({ context }: Ctx) => ({ parameter, onTime: !(id && context.late[id]), ...encounterOf(context) }) },
      { type: 'completeTask' as const, params: { code: step } },
      ...(id ? [cancelTimer(id)] : []),
      { type: 'markDone' as const, params: { step } },
    ],
  };
}
/** Its deadline timer fired first: an escalation Task; the step will be recorded late. */
const overdue = ({ step, timer: id }: QualityStep, what: string) => ({ guard: notDone(step), actions: [{ type: 'markLate' as const, params: { id: id! } }, task('discharge-escalation', `${what} is late`)] });
/** The stay moves on (discharge, readmission): steps not done are recorded late with the note, their Tasks cancelled. */
function missed(context: JointContext, steps: QualityStep[], note: string): Emitted[] {
  return [
    ...steps.filter((q) => !context.done[q.step]).flatMap((q): Emitted[] => [
      { type: 'recordQualityParameter', params: { parameter: q.parameter, onTime: false, note, ...encounterOf(context) } },
      { type: 'cancelTask', params: { code: q.step } },
    ]),
    ...steps.flatMap((q) => (q.timer ? [cancelTimer(q.timer)] : [])),
  ];
}

export const jointCoordination = setup({
  types: { context: {} as JointContext, events: {} as JointEvent, input: {} as JointInput },
  actions: {
    ...actions,
    markDone: assign(({ context }, params: { step: string }) => ({ done: { ...context.done, [params.step]: true } })),
    markLate: assign(({ context }, params: { id: string }) => ({ late: { ...context.late, [params.id]: true } })),
  },
  guards: {
    // At least one inclusion parameter of seed 003 (unknown codes do not count), or a professional judgement with its reason.
    hasBasis: ({ event }) => event.type === 'INCLUDED' && ((event.basis ?? []).some((c) => FRAIL_PARAMETERS.includes(c)) || !!event.judgement?.trim()),
    notDone: ({ context }, params: { step: string }) => !context.done[params.step],
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
                ...AT_ADMISSION.map((q) => task(q.step, q.reason, q.sector)),
                timer('admission-report', 'ADMISSION_REPORT_OVERDUE', (i) => i.admissionReportDeadline),
                timer('discharge-notice', 'DISCHARGE_NOTICE_OVERDUE', (i) => i.dischargeNoticeDeadline),
              ],
              on: {
                ADMISSION_REPORT_SENT: qualityDone(Q['admission-report']),
                ADMISSION_REPORT_OVERDUE: overdue(Q['admission-report'], 'the admission report'),
                JOINT_DISCHARGE_PLAN_MADE: qualityDone(Q['joint-discharge-plan']),
                CARE_COURSE_PLAN_MADE: qualityDone(Q['care-course-plan']),
                READY_FOR_DISCHARGE_NOTIFIED: qualityDone(Q['discharge-readiness-notice']),
                DISCHARGE_NOTICE_OVERDUE: overdue(Q['discharge-readiness-notice'], 'the notice of readiness for discharge'),
                DISCHARGED: {
                  target: 'discharged',
                  actions: [
                    assign({ dischargedOnce: true }),
                    enqueueActions(({ context, enqueue }) => missed(context, AT_ADMISSION, 'not done before the discharge').forEach((a) => enqueue(a))),
                  ],
                },
              },
            },
            discharged: {
              entry: [
                assign({ done: ({ context }) => ({ ...context.done, 'discharge-report': false, 'discharge-letter': false }), late: {} }),
                ...AT_DISCHARGE.map((q) => task(q.step, q.reason, q.sector)),
                timer('discharge-report', 'DISCHARGE_REPORT_OVERDUE', (i) => i.dischargeReportDeadline),
                timer('discharge-letter', 'DISCHARGE_LETTER_OVERDUE', (i) => i.dischargeLetterDeadline),
              ],
              always: { guard: 'reportsSent', target: 'home' },
              on: {
                DISCHARGE_REPORT_SENT: qualityDone(Q['discharge-report']),
                DISCHARGE_REPORT_OVERDUE: overdue(Q['discharge-report'], 'the discharge report'),
                DISCHARGE_LETTER_SENT: qualityDone(Q['discharge-letter']),
                DISCHARGE_LETTER_OVERDUE: overdue(Q['discharge-letter'], 'the discharge letter'),
                // Readmitted before both were sent: the stay they belong to is over.
                ADMITTED: { target: 'admitted', actions: enqueueActions(({ context, enqueue }) => missed(context, AT_DISCHARGE, 'not sent before the readmission').forEach((a) => enqueue(a))) },
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
            // The follow-up conversation ends the coordination: what is still open is cancelled.
            due: { on: { FOLLOW_UP_DONE: { target: '#joint-coordination.completed', actions: [{ type: 'completeTask', params: { code: 'follow-up-conversation' } }, { type: 'cancelOpenTasks', params: {} }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] } } },
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

/**
 * Events that wait for RESUME while the coordination is paused. Everything else goes on: the final events, the
 * timers (a refused timer would be dropped) and the stay — admissions, discharges and the quality steps happen at
 * the hospital and the municipality whatever the coordination's status, and their Tasks must stay completable.
 */
const WAITS_FOR_RESUME = new Set(['COORDINATOR_ASSIGNED', 'HANDOVER_ACCEPTED', 'FOLLOW_UP_DONE']);

export function acceptsEvent(snapshot: ReturnType<typeof jointCoordination.resolveState>, event: JointEvent): boolean {
  if (snapshot.matches({ enrolled: { hold: 'paused' } }) && WAITS_FOR_RESUME.has(event.type)) return false;
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
