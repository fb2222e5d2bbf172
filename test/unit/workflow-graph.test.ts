import { describe, expect, it } from 'vitest';
import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { courseOfCare } from '../../workflows/course-of-care.js';
import { describeMachine } from '../../workflows/describe.js';
import type { CourseEvent } from '../../workflows/events.js';
import { DEFAULTS } from '../../workflows/programme-input.js';

// Representative payloads: one per branch the guards distinguish. Two sessions keep the state space small.
const input = { ...DEFAULTS, programme: 'x|1.0.0', educationSessions: 2 };
const events: CourseEvent[] = [
  { type: 'SCREENED', eligible: true }, { type: 'SCREENED', eligible: false, reason: 'no diagnosis' },
  { type: 'CONSENT_GIVEN' }, { type: 'CONSENT_DECLINED' },
  { type: 'STRATIFIED', stratum: '1', complexity: 'low', selfCare: 'good' },
  { type: 'STRATUM_OVERRIDDEN', stratum: '4', complexity: 'high', selfCare: 'low', reason: 'judgement' },
  { type: 'RESTRATIFY', trigger: 'ACUTE_EPISODE' }, { type: 'TOVHOLDER_SET', practitioner: 'Practitioner/a' },
  { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k' }, { type: 'HANDOVER_ACCEPTED' }, { type: 'HANDOVER_DEADLINE' },
  { type: 'GOALS_AGREED', goals: ['g'] }, { type: 'CLARIFYING_OVERDUE' }, { type: 'SESSION_ATTENDED' }, { type: 'SESSION_MISSED' },
  { type: 'CLOSING_DONE' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' }, { type: 'ANNUAL_CONTROL_DUE' },
  { type: 'PAUSE' }, { type: 'RESUME' }, { type: 'WITHDRAW', reason: 'moved' }, { type: 'TRANSFER', to: 'Organization/x' },
  { type: 'DEATH' },
];
// A state is its configuration plus the counters guards read; escalation and coordinator do not change moves.
const serializeState = (s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context.attended, s.context.missedInRow]);

describe('course-of-care graph', () => {
  const paths = getShortestPaths(courseOfCare, { input, events, serializeState: serializeState as never });
  const prefix = `${courseOfCare.id}.`;
  const leaves = describeMachine(courseOfCare).states.filter((s) => s.type === 'atomic' || s.type === 'final').map((s) => s.id.slice(prefix.length));

  it('reaches every leaf state', () => {
    const unreached = leaves.filter((leaf) => !paths.some((p) => (p.state as AnyMachineSnapshot).matches(leaf as never)));
    expect(unreached).toEqual([]);
    expect(leaves.length).toBeGreaterThan(15);
  });

  it('replaying each path with the pure functions ends in its target state', () => {
    for (const p of paths) {
      let [snap] = initialTransition(courseOfCare, input);
      for (const step of p.steps) {
        if (step.event.type.startsWith('xstate.')) continue;
        [snap] = transition(courseOfCare, snap, step.event as CourseEvent);
      }
      expect(snap.value).toEqual((p.state as AnyMachineSnapshot).value);
    }
  });
});
