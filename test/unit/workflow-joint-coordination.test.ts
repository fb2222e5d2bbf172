import { getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { buildCatalogue } from '../../seed/catalogue/index.js';
import { FRAIL_PARAMETER_CODES } from '../../seed/catalogue/frail-elderly-parameters.js';
import { describeMachine } from '../../workflows/describe.js';
import { acceptsEvent, JOINT_DEFAULTS, jointCoordination, jointCoordinationDefinition, jointCoordinationInput, type JointInput } from '../../workflows/joint-coordination.js';
import { FRAIL_PARAMETERS, jointEventSchemas, type JointEvent } from '../../workflows/joint-coordination-events.js';
import { machineFor } from '../../workflows/registry.js';

/* The joint-coordination machine (seed 003) run with xstate's pure functions: states and the exact actions emitted. */

const input: JointInput = { ...JOINT_DEFAULTS, programme: 'frail|1.0.0', initialStratum: '3' };
type Snap = ReturnType<typeof jointCoordination.resolveState>;
type Emitted = { type: string; params: unknown };
const strip = (as: { type: string; params?: unknown }[]): Emitted[] => as.map((a) => ({ type: a.type, params: a.params }));

/** Runs the events from the start (each must be accepted); `steps[i]` are the actions of events[i]. */
function run(events: JointEvent[], from = input) {
  const [first, initial] = initialTransition(jointCoordination, from);
  let snap: Snap = first;
  const steps: Emitted[][] = [];
  for (const e of events) {
    expect(acceptsEvent(snap, e), `${e.type} in ${JSON.stringify(snap.value)}`).toBe(true);
    const [next, actions] = transition(jointCoordination, snap, e);
    snap = next;
    steps.push(strip(actions));
  }
  return { snap, initial: strip(initial), steps, last: steps.at(-1) ?? [], all: [strip(initial), ...steps].flat() };
}
const on = (snap: Snap, e: JointEvent) => strip(transition(jointCoordination, snap, e)[1]);

const included: JointEvent = { type: 'INCLUDED', basis: ['weak-network', 'readmission'] };
const enrolled: JointEvent[] = [included, { type: 'CONSENT_GIVEN' }];
const E1 = 'Encounter/e1';
const qp = (parameter: string, onTime: boolean, extra: Record<string, unknown> = { encounter: E1 }) => ({ type: 'recordQualityParameter', params: { parameter, onTime, ...extra } });
const task = (code: string, reason: string, sector?: string) => ({ type: 'createTask', params: { code, reason, ...(sector && { sector }) } });
const timer = (id: string, event: string, after: string) => ({ type: 'scheduleTimer', params: { id, event, after } });
const cancelTimer = (id: string) => ({ type: 'cancelTimer', params: { id } });
const completeTask = (code: string) => ({ type: 'completeTask', params: { code } });
const cancelTask = (code: string) => ({ type: 'cancelTask', params: { code } });
const quality = (all: Emitted[]) => all.filter((a) => a.type === 'recordQualityParameter').map((a) => a.params as { parameter: string; onTime: boolean });

const ADMISSION_ACTIONS = [
  task('admission-report', 'information at admission (MedCom admission report)', 'municipality'),
  task('joint-discharge-plan', 'a joint plan for the discharge', 'hospital'),
  task('care-course-plan', 'a care-course plan before discharge', 'hospital'),
  task('discharge-readiness-notice', 'notify the municipality that the patient is ready for discharge', 'hospital'),
  timer('admission-report', 'ADMISSION_REPORT_OVERDUE', 'P1D'),
  timer('discharge-notice', 'DISCHARGE_NOTICE_OVERDUE', 'P2D'),
];
const DISCHARGE_ACTIONS = [
  task('discharge-report', 'discharge report to the municipality (MedCom)', 'hospital'),
  task('discharge-letter', 'discharge letter (epicrisis) to general practice', 'hospital'),
  timer('discharge-report', 'DISCHARGE_REPORT_OVERDUE', 'P1D'),
  timer('discharge-letter', 'DISCHARGE_LETTER_OVERDUE', 'P1D'),
];

describe('joint-coordination machine', () => {
  it('includes on a seed 003 parameter or a professional judgement with its reason, and not without', () => {
    const [snap] = initialTransition(jointCoordination, input);
    expect(acceptsEvent(snap, { type: 'INCLUDED' })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', basis: [] })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', basis: ['not-a-parameter'] })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', judgement: '  ' })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', basis: ['weak-network'] })).toBe(true);
    expect(acceptsEvent(snap, { type: 'INCLUDED', judgement: 'lives alone, confused after the fall' })).toBe(true);
    const [refused, none] = transition(jointCoordination, snap, { type: 'INCLUDED', judgement: ' ' });
    expect([refused.value, none]).toEqual(['referral', []]);
    expect(on(snap, included)).toEqual([task('consent', 'included: ask for consent')]);
  });

  it('ends a referral that is not included', () => {
    const r = run([{ type: 'NOT_INCLUDED', reason: 'no parameter applies' }]);
    expect([r.snap.value, r.snap.status]).toEqual(['notIncluded', 'done']);
    expect(r.last).toEqual([
      { type: 'cancelOpenTasks', params: {} },
      { type: 'recordOutcome', params: { outcome: 'ineligible', reason: 'no parameter applies' } },
      { type: 'setCarePlanStatus', params: { status: 'revoked' } },
      { type: 'setEpisodeStatus', params: { status: 'cancelled' } },
    ]);
    expect(run([included, { type: 'CONSENT_DECLINED', reason: 'no' }]).snap.value).toBe('declined');
  });

  it('walks consent, coordinator, one admission with every quality parameter on time, discharge and follow-up', () => {
    const r = run([
      ...enrolled,
      { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' },
      { type: 'HANDOVER_ACCEPTED' },
      { type: 'ADMITTED', encounter: E1 },
      { type: 'ADMISSION_REPORT_SENT' },
      { type: 'JOINT_DISCHARGE_PLAN_MADE' },
      { type: 'CARE_COURSE_PLAN_MADE' },
      { type: 'READY_FOR_DISCHARGE_NOTIFIED' },
      { type: 'DISCHARGED' },
      { type: 'DISCHARGE_REPORT_SENT' },
      { type: 'DISCHARGE_LETTER_SENT' },
      { type: 'FOLLOW_UP_DUE' },
      { type: 'FOLLOW_UP_DONE' },
    ]);
    const [, consent, coordinator, handover, admitted, admission, jointPlan, carePlan, notice, discharged, report, letter, due, done] = r.steps;
    expect(r.initial).toEqual([]);
    expect(consent).toEqual([
      { type: 'recordConsent', params: {} }, completeTask('consent'),
      { type: 'setCarePlanStatus', params: { status: 'active' } }, { type: 'setEpisodeStatus', params: { status: 'active' } },
      { type: 'requestCoordinator', params: { sector: 'hospital' } }, task('appoint-care-coordinator', 'every included patient gets a care coordinator'),
    ]);
    expect(coordinator).toEqual([{ type: 'assignCoordinator', params: { practitioner: 'Practitioner/k' } }, completeTask('appoint-care-coordinator'), { type: 'startHandover', params: { to: 'Practitioner/k' } }, timer('handover', 'HANDOVER_DEADLINE', 'P7D')]);
    expect(handover).toEqual([{ type: 'acceptHandover', params: { by: 'Practitioner/k' } }, cancelTimer('handover')]);
    expect(admitted).toEqual(ADMISSION_ACTIONS);
    expect(admission).toEqual([qp('admission-information', true), completeTask('admission-report'), cancelTimer('admission-report')]);
    expect(jointPlan).toEqual([qp('joint-discharge-plan', true), completeTask('joint-discharge-plan')]);
    expect(carePlan).toEqual([qp('care-course-plan', true), completeTask('care-course-plan')]);
    expect(notice).toEqual([qp('discharge-readiness-notice', true), completeTask('discharge-readiness-notice'), cancelTimer('discharge-notice')]);
    // Discharged with every step done: nothing recorded late; the follow-up starts at the first discharge.
    expect(discharged).toEqual([
      cancelTimer('admission-report'), cancelTimer('discharge-notice'), ...DISCHARGE_ACTIONS,
      task('follow-up-home-visit', 'follow-up home visit after the discharge', 'municipality'), timer('follow-up', 'FOLLOW_UP_DUE', 'P3M'),
    ]);
    expect(report).toEqual([qp('discharge-report', true), completeTask('discharge-report'), cancelTimer('discharge-report')]);
    expect(letter).toEqual([qp('discharge-letter', true), completeTask('discharge-letter'), cancelTimer('discharge-letter')]);
    expect(due).toEqual([task('follow-up-conversation', 'follow-up about three months after the discharge')]);
    expect(done).toEqual([completeTask('follow-up-conversation'), { type: 'cancelOpenTasks', params: {} }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }]);
    expect([r.snap.value, r.snap.status]).toEqual(['completed', 'done']);
  });

  it('records each quality parameter once per stay', () => {
    const r = run([...enrolled, { type: 'ADMITTED', encounter: E1 }, { type: 'ADMISSION_REPORT_SENT' }]);
    expect(acceptsEvent(r.snap, { type: 'ADMISSION_REPORT_SENT' })).toBe(false);
    expect(acceptsEvent(r.snap, { type: 'ADMISSION_REPORT_OVERDUE' })).toBe(false);
    expect(acceptsEvent(r.snap, { type: 'DISCHARGE_REPORT_SENT' })).toBe(false);
    expect(r.snap.matches({ enrolled: { stay: 'admitted' } })).toBe(true);
  });

  it('escalates a passed deadline and records the step late; steps not done by the discharge are late and cancelled', () => {
    const r = run([
      ...enrolled,
      { type: 'ADMITTED', encounter: E1 },
      { type: 'DISCHARGE_NOTICE_OVERDUE' },
      { type: 'READY_FOR_DISCHARGE_NOTIFIED' },
      { type: 'JOINT_DISCHARGE_PLAN_MADE' },
      { type: 'DISCHARGED' },
      { type: 'DISCHARGE_REPORT_SENT' },
      { type: 'DISCHARGE_LETTER_OVERDUE' },
      { type: 'DISCHARGE_LETTER_SENT' },
    ]);
    const [, , , overdue, notice, , discharged, , letterOverdue, letter] = r.steps;
    expect(overdue).toEqual([task('discharge-escalation', 'the notice of readiness for discharge is late')]);
    expect(notice).toEqual([qp('discharge-readiness-notice', false), completeTask('discharge-readiness-notice'), cancelTimer('discharge-notice')]);
    const note = { encounter: E1, note: 'not done before the discharge' };
    expect(discharged.slice(0, 6)).toEqual([
      qp('admission-information', false, note), cancelTask('admission-report'),
      qp('care-course-plan', false, note), cancelTask('care-course-plan'),
      cancelTimer('admission-report'), cancelTimer('discharge-notice'),
    ]);
    expect(letterOverdue).toEqual([task('discharge-escalation', 'the discharge letter is late')]);
    expect(letter).toEqual([qp('discharge-letter', false), completeTask('discharge-letter'), cancelTimer('discharge-letter')]);
    expect(quality(r.all).map((q) => [q.parameter, q.onTime])).toEqual([
      ['discharge-readiness-notice', false], ['joint-discharge-plan', true], ['admission-information', false],
      ['care-course-plan', false], ['discharge-report', true], ['discharge-letter', false],
    ]);
    expect(r.snap.matches({ enrolled: { stay: 'home', followUp: 'scheduled' } })).toBe(true);
  });

  it('takes a readmission from home and from the discharge, closing what the last stay left open', () => {
    const stay = (encounter: string): JointEvent[] => [{ type: 'ADMITTED', encounter }, { type: 'DISCHARGED' }, { type: 'DISCHARGE_REPORT_SENT' }, { type: 'DISCHARGE_LETTER_SENT' }];
    const home = run([...enrolled, ...stay(E1), { type: 'ADMITTED', encounter: 'Encounter/e2' }]);
    expect(home.last).toEqual(ADMISSION_ACTIONS);
    expect(home.snap.context).toMatchObject({ admissions: 2, encounter: 'Encounter/e2', done: {}, late: {} });
    // The follow-up was planned at the first discharge and is not planned again.
    expect(home.all.filter((a) => a.type === 'scheduleTimer' && (a.params as { id: string }).id === 'follow-up')).toHaveLength(1);

    const early = run([...enrolled, { type: 'ADMITTED', encounter: E1 }, { type: 'DISCHARGED' }, { type: 'DISCHARGE_REPORT_SENT' }, { type: 'ADMITTED', encounter: 'Encounter/e2' }]);
    expect(early.last).toEqual([
      qp('discharge-letter', false, { encounter: E1, note: 'not sent before the readmission' }), cancelTask('discharge-letter'),
      cancelTimer('discharge-report'), cancelTimer('discharge-letter'),
      ...ADMISSION_ACTIONS,
    ]);
    expect(early.snap.matches({ enrolled: { stay: 'admitted', followUp: 'scheduled' } })).toBe(true);
    const again = run([...enrolled, ...stay(E1), ...stay('Encounter/e2')]);
    expect(quality(again.all).filter((q) => q.parameter === 'discharge-letter').map((q) => (q as { encounter?: string }).encounter)).toEqual([E1, 'Encounter/e2']);
  });

  it('ends on death, withdrawal or transfer from anywhere in the course', () => {
    const admitted = [...enrolled, { type: 'ADMITTED', encounter: E1 } as JointEvent];
    const death = run([...admitted, { type: 'DEATH', date: '2026-03-01' }]);
    expect([death.snap.value, death.snap.status]).toEqual(['deceased', 'done']);
    expect(death.last).toEqual([{ type: 'cancelOpenTasks', params: {} }, { type: 'revokeAllPlansOfPatient', params: { date: '2026-03-01' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }]);
    expect(run([{ type: 'DEATH' }]).snap.value).toBe('deceased');
    const withdrawn = run([...admitted, { type: 'WITHDRAW', reason: 'moved abroad' }]);
    expect(withdrawn.last).toEqual([{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: { outcome: 'withdrawn', reason: 'moved abroad' } }, { type: 'setCarePlanStatus', params: { status: 'revoked' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }]);
    const transferred = run([...admitted, { type: 'TRANSFER', to: 'Organization/x' }]);
    expect(transferred.last).toEqual([{ type: 'cancelOpenTasks', params: {} }, { type: 'recordOutcome', params: { outcome: 'transferred', to: 'Organization/x' } }, { type: 'setCarePlanStatus', params: { status: 'completed' } }, { type: 'setEpisodeStatus', params: { status: 'finished' } }]);
    for (const s of [death, withdrawn, transferred]) expect(acceptsEvent(s.snap, { type: 'DISCHARGED' })).toBe(false);
  });

  it('while paused, the stay and the timers go on; coordinator and follow-up wait for RESUME', () => {
    const r = run([...enrolled, { type: 'PAUSE', reason: 'abroad' }, { type: 'ADMITTED' }, { type: 'ADMISSION_REPORT_SENT' }, { type: 'DISCHARGED' }, { type: 'FOLLOW_UP_DUE' }]);
    expect(r.steps[2]).toEqual([{ type: 'setCarePlanStatus', params: { status: 'on-hold' } }]);
    expect(acceptsEvent(r.snap, { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' })).toBe(false);
    expect(acceptsEvent(r.snap, { type: 'FOLLOW_UP_DONE' })).toBe(false);
    expect(acceptsEvent(r.snap, { type: 'DISCHARGE_LETTER_SENT' })).toBe(true);
    const [resumed, actions] = transition(jointCoordination, r.snap, { type: 'RESUME' });
    expect(strip(actions)).toEqual([{ type: 'setCarePlanStatus', params: { status: 'active' } }]);
    expect(acceptsEvent(resumed, { type: 'FOLLOW_UP_DONE' })).toBe(true);
  });

  it('asks the joint function at the hospital for a coordinator in the strata of the programme that say so, else the municipality', () => {
    const plan = buildCatalogue().find((r) => r.resourceType === 'PlanDefinition' && (r as { name?: string }).name === 'FrailElderly') as Parameters<typeof jointCoordinationInput>[0];
    expect(jointCoordinationInput(plan)).toEqual({ ...JOINT_DEFAULTS, programme: `${plan.url}|${plan.version}`, hospitalStrata: ['3', '4'], followUpOffset: 'P3M' });
    expect(jointCoordinationInput({ url: 'x', version: '1' })).toEqual({ ...JOINT_DEFAULTS, programme: 'x|1' });
    expect(machineFor(plan)).toBe(jointCoordinationDefinition);
    expect(machineFor({ name: 'FrailElderly' }).id).toBe('joint-coordination');
    expect(machineFor({ url: 'https://forlob.dk/fhir/PlanDefinition/diabetes-type-2', name: 'DiabetesType2' }).id).toBe('course-of-care');
    expect(jointCoordinationDefinition.input(plan, { initialStratum: '4' })).toMatchObject({ initialStratum: '4' });
    const low = run(enrolled, { ...input, initialStratum: '1' });
    expect(low.steps[1]).toContainEqual({ type: 'requestCoordinator', params: { sector: 'municipality' } });
    expect(run(enrolled, { ...JOINT_DEFAULTS, programme: 'p' }).steps[1]).toContainEqual({ type: 'requestCoordinator', params: { sector: 'municipality' } });
  });

  it('knows the inclusion parameters of the catalogue, and documents exactly the events it has', () => {
    const c = FRAIL_PARAMETER_CODES;
    expect([...FRAIL_PARAMETERS].sort()).toEqual([...c.health, ...c.organisational, ...c.social, c.judgement].sort());
    expect(describeMachine(jointCoordination).events).toEqual(Object.keys(jointEventSchemas).sort());
    expect(jointCoordinationDefinition.enrolmentEvent({ basis: ['weak-network'] })).toEqual({ type: 'INCLUDED', basis: ['weak-network'] });
    const [start] = initialTransition(jointCoordination, input);
    expect(acceptsEvent(start, jointCoordinationDefinition.enrolmentEvent({}) as JointEvent)).toBe(true);
  });

  it('reaches every state, and each generated path replays to its state', () => {
    const events: JointEvent[] = [
      { type: 'INCLUDED', basis: ['weak-network'] }, { type: 'NOT_INCLUDED', reason: 'r' }, { type: 'CONSENT_GIVEN' }, { type: 'CONSENT_DECLINED' },
      { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' }, { type: 'HANDOVER_ACCEPTED' }, { type: 'ADMITTED' }, { type: 'DISCHARGED' },
      { type: 'DISCHARGE_REPORT_SENT' }, { type: 'DISCHARGE_LETTER_SENT' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' },
      { type: 'PAUSE' }, { type: 'RESUME' }, { type: 'WITHDRAW', reason: 'r' }, { type: 'TRANSFER', to: 'Organization/x' }, { type: 'DEATH' },
    ];
    // A state is its configuration plus what the guards read.
    const serializeState = (s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context.done, s.context.dischargedOnce]);
    const paths = getShortestPaths(jointCoordination, { input, events, serializeState: serializeState as never });
    const prefix = `${jointCoordination.id}.`;
    const states = describeMachine(jointCoordination).states.filter((s) => s.id !== jointCoordination.id).map((s) => s.id.slice(prefix.length));
    expect(states.length).toBeGreaterThan(20);
    expect(states.filter((id) => !paths.some((p) => (p.state as AnyMachineSnapshot).matches(id as never)))).toEqual([]);
    for (const p of paths) {
      let [snap] = initialTransition(jointCoordination, input);
      for (const step of p.steps) if (!step.event.type.startsWith('xstate.')) [snap] = transition(jointCoordination, snap, step.event as JointEvent);
      expect(snap.value).toEqual((p.state as AnyMachineSnapshot).value);
    }
  });
});
