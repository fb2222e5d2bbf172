import { getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { describeMachine } from '../../workflows/describe.js';
import { acceptsEvent, JOINT_DEFAULTS, jointCoordination } from '../../workflows/joint-coordination.js';
import type { JointEvent } from '../../workflows/joint-coordination-events.js';

/* The joint-coordination machine (seed 003) run with xstate's pure functions: states and the actions emitted. */

const input = { ...JOINT_DEFAULTS, programme: 'frail|1.0.0', followUpOffset: 'P3M', initialStratum: '3' as const };

function run(events: JointEvent[]) {
  let [snap, last] = initialTransition(jointCoordination, input);
  const all = [...last];
  for (const e of events) {
    expect(acceptsEvent(snap, e), `${e.type} in ${JSON.stringify(snap.value)}`).toBe(true);
    [snap, last] = transition(jointCoordination, snap, e);
    all.push(...last);
  }
  const strip = (as: typeof last) => as.map((a) => ({ type: a.type, params: a.params }));
  return { snap, last: strip(last), all: strip(all) };
}
const enrolled: JointEvent[] = [{ type: 'INCLUDED', basis: ['weak-network', 'readmission'] }, { type: 'CONSENT_GIVEN' }];
const quality = (all: { type: string; params: unknown }[]) => all.filter((a) => a.type === 'recordQualityParameter').map((a) => a.params as { parameter: string; onTime: boolean });

describe('joint-coordination machine', () => {
  it('needs a basis or a professional judgement for inclusion', () => {
    let [snap] = initialTransition(jointCoordination, input);
    expect(acceptsEvent(snap, { type: 'INCLUDED' })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', judgement: '  ' })).toBe(false);
    expect(acceptsEvent(snap, { type: 'INCLUDED', judgement: 'lives alone, confused after the fall' })).toBe(true);
    [snap] = transition(jointCoordination, snap, { type: 'NOT_INCLUDED', reason: 'no parameter applies' });
    expect(snap.value).toBe('notIncluded');
    expect(snap.status).toBe('done');
  });

  it('asks the joint function at the hospital for a coordinator in a complex stratum, the municipality otherwise', () => {
    const r = run(enrolled);
    expect(r.last).toContainEqual({ type: 'requestCoordinator', params: { sector: 'hospital' } });
    const [low] = initialTransition(jointCoordination, { ...input, initialStratum: '1' });
    const [s1] = transition(jointCoordination, low, enrolled[0]);
    const [, actions] = transition(jointCoordination, s1, enrolled[1]);
    expect(actions.map((a) => ({ type: a.type, params: a.params }))).toContainEqual({ type: 'requestCoordinator', params: { sector: 'municipality' } });
  });

  it('records each quality parameter of an admission, on time or late against its deadline', () => {
    const r = run([
      ...enrolled,
      { type: 'ADMITTED', encounter: 'Encounter/e1' },
      { type: 'ADMISSION_REPORT_OVERDUE' },
      { type: 'ADMISSION_REPORT_SENT' },
      { type: 'JOINT_DISCHARGE_PLAN_MADE' },
      { type: 'READY_FOR_DISCHARGE_NOTIFIED' },
      { type: 'DISCHARGED' },
      { type: 'DISCHARGE_REPORT_SENT' },
      { type: 'DISCHARGE_LETTER_OVERDUE' },
      { type: 'DISCHARGE_LETTER_SENT' },
    ]);
    expect(quality(r.all).map((q) => [q.parameter, q.onTime])).toEqual([
      ['admission-information', false],
      ['joint-discharge-plan', true],
      ['discharge-readiness-notice', true],
      ['care-course-plan', false], // not made before the discharge
      ['discharge-report', true],
      ['discharge-letter', false],
    ]);
    expect(quality(r.all).every((q) => (q as { encounter?: string }).encounter === 'Encounter/e1')).toBe(true);
    expect(r.all).toContainEqual({ type: 'cancelTask', params: { code: 'care-course-plan' } });
    expect(r.all.filter((a) => a.type === 'createTask').map((a) => (a.params as { code: string }).code)).toContain('discharge-escalation');
    // Both reports sent: home again, the follow-up home visit and the three-month timer.
    expect(r.snap.matches({ enrolled: { stay: 'home', followUp: 'scheduled' } })).toBe(true);
    expect(r.last).toContainEqual({ type: 'scheduleTimer', params: { id: 'follow-up', event: 'FOLLOW_UP_DUE', after: 'P3M' } });
  });

  it('a readmission starts the quality parameters again; the follow-up ends the course completed', () => {
    const stay: JointEvent[] = [{ type: 'ADMITTED' }, { type: 'DISCHARGED' }, { type: 'DISCHARGE_REPORT_SENT' }, { type: 'DISCHARGE_LETTER_SENT' }];
    const r = run([...enrolled, ...stay, ...stay, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' }]);
    expect(quality(r.all).filter((q) => q.parameter === 'discharge-letter')).toHaveLength(2);
    expect(r.snap.value).toBe('completed');
    expect(r.last).toContainEqual({ type: 'setCarePlanStatus', params: { status: 'completed' } });
  });

  it('refuses course events while paused but still takes an admission', () => {
    const r = run([...enrolled, { type: 'PAUSE' }]);
    expect(acceptsEvent(r.snap, { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' })).toBe(false);
    expect(acceptsEvent(r.snap, { type: 'ADMITTED' })).toBe(true);
  });

  it('reaches every leaf state', () => {
    const events: JointEvent[] = [
      { type: 'INCLUDED', basis: ['weak-network'] }, { type: 'NOT_INCLUDED', reason: 'r' }, { type: 'CONSENT_GIVEN' }, { type: 'CONSENT_DECLINED' },
      { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' }, { type: 'HANDOVER_ACCEPTED' }, { type: 'ADMITTED' }, { type: 'DISCHARGED' },
      { type: 'DISCHARGE_REPORT_SENT' }, { type: 'DISCHARGE_LETTER_SENT' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' },
      { type: 'PAUSE' }, { type: 'RESUME' }, { type: 'WITHDRAW', reason: 'r' }, { type: 'TRANSFER', to: 'Organization/x' }, { type: 'DEATH' },
    ];
    const serializeState = (s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context.done, s.context.dischargedOnce]);
    const paths = getShortestPaths(jointCoordination, { input, events, serializeState: serializeState as never });
    const prefix = `${jointCoordination.id}.`;
    const leaves = describeMachine(jointCoordination).states.filter((s) => s.type === 'atomic' || s.type === 'final').map((s) => s.id.slice(prefix.length));
    expect(leaves.filter((leaf) => !paths.some((p) => (p.state as AnyMachineSnapshot).matches(leaf as never)))).toEqual([]);
  });
});
