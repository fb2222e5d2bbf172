import { assign, setup } from 'xstate';
import { eventSchemas, type CourseEvent, type Stratum } from './events.js';
import { CONSENT_GIVEN_ACTIONS, HOLD_REGION, NOT_STARTED_ACTIONS } from './shared-steps.js';
import type { MachineDefinition } from './machine-definition.js';
import { programmeInput, type CourseInput } from './programme-input.js';

/*
 * One course-of-care machine for every programme, configured by `input` (programme-input.ts). Pure data: every
 * side effect is a named action with params and a no-op implementation; the engine runs the machine with
 * initialTransition/transition and executes the returned action objects as FHIR effects. Durable timers are
 * `scheduleTimer`/`cancelTimer` actions that the engine turns back into events — no xstate delays.
 */
export const machineId = 'course-of-care';
export const machineVersion = '1.0.0';

export interface CourseContext {
  input: CourseInput;
  stratum?: Stratum;
  attended: number;
  missedInRow: number;
  coordinator?: string;
  escalated: boolean;
  /** A clinician flagged the patient as vulnerable: a coordinator whatever the stratum. */
  vulnerable?: boolean;
}

type P = Record<string, unknown>;
const noop = (_: unknown, _params: P) => {};
export const ACTION_NAMES = [
  'setCarePlanStatus', 'setEpisodeStatus', 'createTask', 'completeTask', 'cancelOpenTasks', 'recordConsent',
  'recordStratum', 'setTovholder', 'requestCoordinator', 'assignCoordinator', 'startHandover', 'acceptHandover',
  'recordGoals', 'reviewGoals', 'revokeAllPlansOfPatient', 'scheduleTimer', 'cancelTimer', 'recordOutcome',
] as const;
const actions = Object.fromEntries(ACTION_NAMES.map((n) => [n, noop])) as Record<(typeof ACTION_NAMES)[number], typeof noop>;

const stratumParams = ({ event }: { event: CourseEvent }) => {
  const e = event as Extract<CourseEvent, { type: 'STRATIFIED' | 'STRATUM_OVERRIDDEN' }>;
  const overridden = e.type === 'STRATUM_OVERRIDDEN';
  return {
    stratum: e.stratum, complexity: e.complexity, selfCare: e.selfCare,
    ...(e.severity && { severity: e.severity }),
    method: overridden ? 'clinician-override' : 'computed',
    ...(overridden && { reason: e.reason }),
  };
};
const needsCoordinator = ({ context }: { context: CourseContext }) =>
  context.stratum !== undefined && context.input.coordinatorStrata.includes(context.stratum);
const timer = (id: string, event: string, after: (i: CourseInput) => string) =>
  ({ type: 'scheduleTimer' as const, params: ({ context }: { context: CourseContext }) => ({ id, event, after: after(context.input) }) });
const task = (code: string, reason: string) => ({ type: 'createTask' as const, params: { code, reason } });
const stratifyTransitions = {
  STRATIFIED: { target: 'stratified', actions: [{ type: 'recordStratum' as const, params: stratumParams }, 'keepStratum' as const] },
  STRATUM_OVERRIDDEN: { guard: 'hasReason' as const, target: 'stratified', actions: [{ type: 'recordStratum' as const, params: stratumParams }, 'keepStratum' as const] },
};

export const courseOfCare = setup({
  types: { context: {} as CourseContext, events: {} as CourseEvent, input: {} as CourseInput },
  actions: {
    ...actions,
    keepStratum: assign({ stratum: ({ event }) => ('stratum' in event ? event.stratum : undefined) }),
  },
  guards: {
    eligible: ({ event }) => event.type === 'SCREENED' && event.eligible,
    hasReason: ({ event }) => event.type === 'STRATUM_OVERRIDDEN' && !!event.reason?.trim(),
    needsCoordinator,
    hasStratum: ({ context }) => context.stratum !== undefined,
    lastSession: ({ context }) => context.attended + 1 >= context.input.educationSessions,
    repeatedAbsence: ({ context }) => context.missedInRow + 1 >= context.input.absenceThreshold,
  },
}).createMachine({
  id: machineId,
  // The stratum $apply computed at enrolment (already recorded) starts the course stratified. `input?.`: xstate's
  // transition() builds the initial state again, without input, on every event; a TypeError there cost a third of it.
  context: ({ input }) => ({ input, attended: 0, missedInRow: 0, escalated: false, ...(input?.initialStratum && { stratum: input.initialStratum }) }),
  initial: 'referral',
  on: {
    WITHDRAW: { target: '.withdrawn', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'withdrawn', reason: event.reason }) }, { type: 'setCarePlanStatus', params: { status: 'revoked' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
    TRANSFER: { target: '.transferred', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'transferred', to: event.to }) }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
    DEATH: { target: '.deceased', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'revokeAllPlansOfPatient', params: ({ event }) => ({ date: event.date }) }, { type: 'setEpisodeStatus', params: { status: 'finished' } }] },
  },
  states: {
    referral: {
      on: {
        SCREENED: [
          { guard: 'eligible', target: 'awaitingConsent', actions: task('consent', 'eligible: ask for consent') },
          { target: 'ineligible', actions: [{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'ineligible', reason: event.reason }) }, ...NOT_STARTED_ACTIONS] },
        ],
      },
    },
    ineligible: { type: 'final' },
    awaitingConsent: {
      on: {
        CONSENT_GIVEN: { target: 'enrolled', actions: CONSENT_GIVEN_ACTIONS },
        CONSENT_DECLINED: { target: 'declined', actions: [{ type: 'completeTask', params: { code: 'consent' } }, { type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'declined', reason: event.reason }) }, ...NOT_STARTED_ACTIONS] },
      },
    },
    declined: { type: 'final' },
    enrolled: {
      initial: 'active',
      states: {
        active: {
          type: 'parallel',
          states: {
            hold: HOLD_REGION,
            stratification: {
              initial: 'unstratified',
              states: {
                unstratified: { always: { guard: 'hasStratum', target: 'stratified' }, on: stratifyTransitions },
                stratified: {
                  on: {
                    RESTRATIFY: { target: 'restratifying', actions: task('stratification', 're-stratification') },
                    // The annual control (course region) re-stratifies too: both regions take the event.
                    ANNUAL_CONTROL_DUE: { target: 'restratifying', actions: task('stratification', 're-stratification at the annual control') },
                  },
                },
                restratifying: { on: stratifyTransitions, exit: { type: 'completeTask', params: { code: 'stratification' } } },
              },
            },
            coordination: {
              initial: 'tovholderOnly',
              // The tovholder (always present) can be set or changed whatever the coordinator state.
              on: { TOVHOLDER_SET: { actions: { type: 'setTovholder', params: ({ event }) => ({ practitioner: event.practitioner }) } } },
              states: {
                // Entered with, or reaching, a stratum that calls for a coordinator (keepStratum runs first).
                tovholderOnly: {
                  always: { guard: 'needsCoordinator', target: 'coordinatorRequested' },
                  on: { VULNERABILITY_FLAGGED: { target: 'coordinatorRequested', actions: [assign({ vulnerable: true }), { type: 'recordOutcome', params: ({ event }) => ({ outcome: 'vulnerable', reason: event.reason }) }] } },
                },
                coordinatorRequested: {
                  entry: [{ type: 'requestCoordinator', params: ({ context }) => ({ stratum: context.stratum }) }, task('appoint-care-coordinator', 'the stratum or a vulnerability calls for a care coordinator')],
                  on: { COORDINATOR_ASSIGNED: { target: 'handover', actions: [assign({ coordinator: ({ event }) => event.practitioner }), { type: 'assignCoordinator', params: ({ event }) => ({ practitioner: event.practitioner }) }, { type: 'completeTask', params: { code: 'appoint-care-coordinator' } }] } },
                },
                // Relay: the current holder stays responsible until the new coordinator accepts.
                handover: {
                  entry: [{ type: 'startHandover', params: ({ context }) => ({ to: context.coordinator }) }, timer('handover', 'HANDOVER_DEADLINE', (i) => i.handoverDeadline)],
                  on: {
                    HANDOVER_ACCEPTED: { target: 'coordinated', actions: [{ type: 'acceptHandover', params: ({ context }) => ({ by: context.coordinator }) }, { type: 'cancelTimer', params: { id: 'handover' } }] },
                    HANDOVER_DEADLINE: { actions: [assign({ escalated: true }), task('handover-escalation', 'handover not accepted before the deadline')] },
                  },
                },
                // A new coordinator takes over in the relay style too: the current one stays until the receiver accepts.
                coordinated: { on: { COORDINATOR_ASSIGNED: { target: 'handover', actions: [assign({ coordinator: ({ event }) => event.practitioner }), { type: 'assignCoordinator', params: ({ event }) => ({ practitioner: event.practitioner }) }] } } },
              },
            },
            course: {
              initial: 'clarifying',
              states: {
                clarifying: {
                  entry: [task('clarifying-conversation', 'course start'), timer('clarifying', 'CLARIFYING_OVERDUE', (i) => i.clarifyingDeadline)],
                  on: {
                    CLARIFYING_OVERDUE: { actions: task('clarifying-escalation', 'clarifying conversation overdue') },
                    GOALS_AGREED: { target: 'sessions', actions: [{ type: 'recordGoals', params: ({ event }) => ({ goals: event.goals }) }, { type: 'completeTask', params: { code: 'clarifying-conversation' } }, { type: 'cancelTimer', params: { id: 'clarifying' } }] },
                  },
                },
                sessions: {
                  entry: task('education-session', 'weekly education sessions'),
                  on: {
                    SESSION_ATTENDED: [
                      { guard: 'lastSession', target: 'closing', actions: [assign({ attended: ({ context }) => context.attended + 1, missedInRow: 0 }), { type: 'completeTask', params: { code: 'education-session' } }] },
                      { actions: assign({ attended: ({ context }) => context.attended + 1, missedInRow: 0 }) },
                    ],
                    SESSION_MISSED: [
                      { guard: 'repeatedAbsence', actions: [assign({ missedInRow: 0 }), task('absence-follow-up', 'repeated absence from education sessions')] },
                      { actions: assign({ missedInRow: ({ context }) => context.missedInRow + 1 }) },
                    ],
                  },
                },
                closing: {
                  entry: task('closing-conversation', 'education sessions completed'),
                  on: { CLOSING_DONE: { target: 'followUp', actions: [{ type: 'reviewGoals', params: {} }, { type: 'completeTask', params: { code: 'closing-conversation' } }, timer('follow-up', 'FOLLOW_UP_DUE', (i) => i.followUpOffset)] } },
                },
                followUp: {
                  initial: 'waiting',
                  states: {
                    waiting: { on: { FOLLOW_UP_DUE: { target: 'due', actions: task('follow-up-conversation', 'follow-up after the course') } } },
                    due: { on: { FOLLOW_UP_DONE: { target: '#course-of-care.enrolled.active.course.maintenance', actions: { type: 'completeTask', params: { code: 'follow-up-conversation' } } } } },
                  },
                },
                maintenance: {
                  entry: timer('annual-control', 'ANNUAL_CONTROL_DUE', (i) => i.annualControl),
                  on: { ANNUAL_CONTROL_DUE: { target: 'maintenance', reenter: true, actions: task('annual-control', 'annual control') } },
                },
              },
            },
          },
        },
      },
    },
    withdrawn: { type: 'final' },
    transferred: { type: 'final' },
    deceased: { type: 'final' },
  },
});

/** Events a paused course still takes; everything else waits for RESUME. */
// Timer events too: what falls due during a pause still falls due (its Task waits for the resume), and a timer is never lost.
const WHILE_PAUSED = new Set(['RESUME', 'WITHDRAW', 'TRANSFER', 'DEATH', 'HANDOVER_DEADLINE', 'CLARIFYING_OVERDUE', 'FOLLOW_UP_DUE', 'ANNUAL_CONTROL_DUE']);

/** Whether the machine in this snapshot takes the event: the engine's gate before `transition` (409 otherwise). */
export function acceptsEvent(snapshot: ReturnType<typeof courseOfCare.resolveState>, event: CourseEvent): boolean {
  if (snapshot.matches({ enrolled: { active: { hold: 'paused' } } }) && !WHILE_PAUSED.has(event.type)) return false;
  return snapshot.can(event);
}

/** The course-of-care machine as the engine runs it: every programme not served by a dedicated machine. */
export const courseOfCareDefinition: MachineDefinition = {
  id: machineId,
  version: machineVersion,
  machine: courseOfCare,
  eventSchemas,
  acceptsEvent: (snapshot, event) => acceptsEvent(snapshot as ReturnType<typeof courseOfCare.resolveState>, event as CourseEvent),
  serves: () => true,
  taskEvents: {
    consent: { completed: 'CONSENT_GIVEN', rejected: 'CONSENT_DECLINED' },
    'clarifying-conversation': { completed: 'GOALS_AGREED' },
    'closing-conversation': { completed: 'CLOSING_DONE' },
    'follow-up-conversation': { completed: 'FOLLOW_UP_DONE' },
    stratification: { completed: 'STRATIFIED' },
    'appoint-tovholder': { completed: 'TOVHOLDER_SET' },
    'appoint-care-coordinator': { completed: 'COORDINATOR_ASSIGNED' },
    'coordinator-handover': { completed: 'HANDOVER_ACCEPTED' },
  },
  acuteEncounterEvent: () => ({ type: 'RESTRATIFY', trigger: 'ACUTE_EPISODE' }),
  newDiagnosisEvent: () => ({ type: 'RESTRATIFY', trigger: 'NEW_DIAGNOSIS' }),
  enrolmentEvent: (facts) => ({ type: 'SCREENED', eligible: true, reason: `eligible by the programme's inclusion rules${facts.basis?.length ? ` (${facts.basis.join(', ')})` : ''}` }),
  input: (plan, facts) => ({ ...programmeInput(plan as Parameters<typeof programmeInput>[0]), ...(facts.initialStratum && { initialStratum: facts.initialStratum }) }),
};
