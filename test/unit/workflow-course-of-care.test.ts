import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { acceptsEvent, courseOfCare } from '../../workflows/course-of-care.js';
import type { CourseEvent } from '../../workflows/events.js';
import { DEFAULTS, programmeInput, type CourseInput } from '../../workflows/programme-input.js';
import { PROGRAMMES } from '../../seed/catalogue/index.js';
import { buildProgramme } from '../../seed/catalogue/build-programme.js';

const plan = (id: string) => buildProgramme(PROGRAMMES.find((p) => p.id === id)!).planDefinition;
const input = (over: Partial<CourseInput> = {}): CourseInput => ({ ...DEFAULTS, programme: 'x|1.0.0', ...over });

type Emitted = { type: string; params?: unknown };
function run(events: CourseEvent[], inp = input()) {
  let [snap, acts] = initialTransition(courseOfCare, inp);
  const steps: Emitted[][] = [acts.map(strip)];
  for (const e of events) {
    const [next, a] = transition(courseOfCare, snap, e);
    snap = next;
    steps.push(a.map(strip));
  }
  return { snap: snap as AnyMachineSnapshot, steps, last: steps.at(-1)!, all: steps.flat() };
}
const strip = (a: { type: string; params?: unknown }): Emitted => ({ type: a.type, params: a.params });
const enrol: CourseEvent[] = [{ type: 'SCREENED', eligible: true }, { type: 'CONSENT_GIVEN' }];
const strat1: CourseEvent = { type: 'STRATIFIED', stratum: '1', complexity: 'low', selfCare: 'good' };

describe('programmeInput', () => {
  it('reads sessions, severity and coordinator strata from the seed PlanDefinitions', () => {
    const dm = programmeInput(plan('diabetes-type-2'));
    expect(dm.programme).toBe('https://forlob.dk/fhir/PlanDefinition/diabetes-type-2|1.0.0');
    expect(dm.educationSessions).toBeGreaterThanOrEqual(5);
    expect(dm.usesSeverity).toBe(false);
    expect(dm.followUpOffset).toMatch(/^P\d+[MWY]$/);
    const copd = programmeInput(plan('copd'));
    expect(copd.usesSeverity).toBe(true);
    expect(copd.coordinatorStrata).toContain('4');
  });
  it('falls back to the stated defaults for an empty PlanDefinition', () => {
    expect(programmeInput({})).toEqual({ ...DEFAULTS, programme: '|' });
  });
});

describe('course-of-care machine', () => {
  it('runs the municipal course of seed 004 to maintenance with annual control', () => {
    const sessions: CourseEvent[] = Array.from({ length: 6 }, () => ({ type: 'SESSION_ATTENDED' }));
    const r = run([...enrol, strat1, { type: 'GOALS_AGREED', goals: ['walk daily'] }, ...sessions.slice(0, 5)]);
    expect(r.snap.matches({ enrolled: { active: { course: 'sessions' } } })).toBe(true);
    expect(r.steps[2]).toEqual(expect.arrayContaining([
      { type: 'setCarePlanStatus', params: { status: 'active' } },
      { type: 'createTask', params: { code: 'clarifying-conversation', reason: 'course start' } },
      { type: 'scheduleTimer', params: { id: 'clarifying', event: 'CLARIFYING_OVERDUE', after: 'P14D' } },
    ]));
    expect(r.steps[3]).toContainEqual({ type: 'recordStratum', params: { stratum: '1', complexity: 'low', selfCare: 'good', method: 'computed' } });
    expect(r.steps[4]).toEqual(expect.arrayContaining([
      { type: 'recordGoals', params: { goals: ['walk daily'] } },
      { type: 'cancelTimer', params: { id: 'clarifying' } },
    ]));
    const done = run([...enrol, strat1, { type: 'GOALS_AGREED', goals: [] }, ...sessions]);
    expect(done.snap.matches({ enrolled: { active: { course: 'closing' } } })).toBe(true);
    expect(done.last).toContainEqual({ type: 'createTask', params: { code: 'closing-conversation', reason: 'education sessions completed' } });
    const f = run([...enrol, strat1, { type: 'GOALS_AGREED', goals: [] }, ...sessions, { type: 'CLOSING_DONE' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' }, { type: 'ANNUAL_CONTROL_DUE' }]);
    const closeStep = f.steps[4 + 6 + 1];
    expect(closeStep).toContainEqual({ type: 'scheduleTimer', params: { id: 'follow-up', event: 'FOLLOW_UP_DUE', after: 'P3M' } });
    expect(closeStep).toContainEqual({ type: 'reviewGoals', params: {} });
    expect(f.steps.at(-2)).toContainEqual({ type: 'scheduleTimer', params: { id: 'annual-control', event: 'ANNUAL_CONTROL_DUE', after: 'P1Y' } });
    expect(f.last).toEqual(expect.arrayContaining([
      { type: 'createTask', params: { code: 'annual-control', reason: 'annual control' } },
      { type: 'scheduleTimer', params: { id: 'annual-control', event: 'ANNUAL_CONTROL_DUE', after: 'P1Y' } },
    ]));
    expect(f.snap.matches({ enrolled: { active: { course: 'maintenance' } } })).toBe(true);
  });

  it('creates a follow-up Task on repeated absence', () => {
    const r = run([...enrol, { type: 'GOALS_AGREED', goals: [] }, { type: 'SESSION_MISSED' }, { type: 'SESSION_MISSED' }]);
    expect(r.steps.at(-2)!.filter((a) => a.type === 'createTask')).toEqual([]);
    expect(r.last).toContainEqual({ type: 'createTask', params: { code: 'absence-follow-up', reason: 'repeated absence from education sessions' } });
  });

  it('ends ineligible with the reason, and declined', () => {
    const r = run([{ type: 'SCREENED', eligible: false, reason: 'no E11 diagnosis' }]);
    expect(r.snap.value).toBe('ineligible');
    expect(r.snap.status).toBe('done');
    expect(r.last).toEqual([
      { type: 'cancelOpenTasks', params: {} },
      { type: 'recordOutcome', params: { outcome: 'ineligible', reason: 'no E11 diagnosis' } },
      { type: 'setCarePlanStatus', params: { status: 'revoked' } },
      { type: 'setEpisodeStatus', params: { status: 'cancelled' } },
    ]);
    const d = run([{ type: 'SCREENED', eligible: true }, { type: 'CONSENT_DECLINED', reason: 'no time' }]);
    expect(d.snap.value).toBe('declined');
    expect(d.last).toContainEqual({ type: 'recordOutcome', params: { outcome: 'declined', reason: 'no time' } });
    expect(d.last).toContainEqual({ type: 'setCarePlanStatus', params: { status: 'revoked' } });
  });

  it('refuses a stratum override without a reason', () => {
    const o = { type: 'STRATUM_OVERRIDDEN', stratum: '3', complexity: 'high', selfCare: 'good' } as const;
    const without = run([...enrol, { ...o, reason: ' ' }]);
    expect(without.snap.matches({ enrolled: { active: { stratification: 'unstratified' } } })).toBe(true);
    expect(without.last).toEqual([]);
    const withReason = run([...enrol, { ...o, reason: 'clinical judgement' }]);
    expect(withReason.snap.context.stratum).toBe('3');
    expect(withReason.last).toContainEqual({ type: 'recordStratum', params: { stratum: '3', complexity: 'high', selfCare: 'good', method: 'clinician-override', reason: 'clinical judgement' } });
  });

  it('COPD acute episode: re-stratification to stratum 4, coordinator, handover deadline escalates', () => {
    const copd = programmeInput(plan('copd'));
    const r = run([...enrol, strat1, { type: 'RESTRATIFY', trigger: 'ACUTE_EPISODE' },
      { type: 'STRATIFIED', stratum: '4', complexity: 'high', selfCare: 'low', severity: 'severe' },
      { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k1' }, { type: 'HANDOVER_DEADLINE' }], copd);
    const [restrat, stratified, assigned, deadline] = r.steps.slice(-4);
    expect(restrat).toContainEqual({ type: 'createTask', params: { code: 'stratification', reason: 're-stratification' } });
    expect(stratified).toEqual(expect.arrayContaining([
      { type: 'recordStratum', params: { stratum: '4', complexity: 'high', selfCare: 'low', severity: 'severe', method: 'computed' } },
      { type: 'requestCoordinator', params: { stratum: '4' } },
    ]));
    expect(assigned).toEqual(expect.arrayContaining([
      { type: 'assignCoordinator', params: { practitioner: 'Practitioner/k1' } },
      { type: 'startHandover', params: { to: 'Practitioner/k1' } },
      { type: 'scheduleTimer', params: { id: 'handover', event: 'HANDOVER_DEADLINE', after: 'P7D' } },
    ]));
    expect(deadline).toContainEqual({ type: 'createTask', params: { code: 'handover-escalation', reason: 'handover not accepted before the deadline' } });
    expect(r.snap.matches({ enrolled: { active: { coordination: 'handover' } } })).toBe(true);
    expect(r.snap.context.escalated).toBe(true);
    const ok = run([...enrol, { type: 'STRATIFIED', stratum: '4', complexity: 'high', selfCare: 'low' }, { type: 'COORDINATOR_ASSIGNED', practitioner: 'Practitioner/k1' }, { type: 'HANDOVER_ACCEPTED' }], copd);
    expect(ok.snap.matches({ enrolled: { active: { coordination: 'coordinated' } } })).toBe(true);
    expect(ok.last).toContainEqual({ type: 'cancelTimer', params: { id: 'handover' } });
    const [, tov] = transition(courseOfCare, ok.snap, { type: 'TOVHOLDER_SET', practitioner: 'Practitioner/gp2' });
    expect(tov.map(strip)).toEqual([{ type: 'setTovholder', params: { practitioner: 'Practitioner/gp2' } }]);
  });

  it('does not request a coordinator for stratum 1', () => {
    const r = run([...enrol, strat1]);
    expect(r.all.map((a) => a.type)).not.toContain('requestCoordinator');
  });

  it('PAUSE puts the plan on hold and RESUME returns to the same step', () => {
    const r = run([...enrol, strat1, { type: 'GOALS_AGREED', goals: [] }, { type: 'SESSION_ATTENDED' }, { type: 'PAUSE' }]);
    expect(r.snap.matches({ enrolled: { active: { hold: 'paused', course: 'sessions' } } })).toBe(true);
    expect(acceptsEvent(r.snap as never, { type: 'SESSION_ATTENDED' })).toBe(false);
    expect(acceptsEvent(r.snap as never, { type: 'RESUME' })).toBe(true);
    expect(r.last).toContainEqual({ type: 'setCarePlanStatus', params: { status: 'on-hold' } });
    const back = transition(courseOfCare, r.snap, { type: 'RESUME' });
    expect(back[0].matches({ enrolled: { active: { course: 'sessions', stratification: 'stratified' } } })).toBe(true);
    expect(back[0].context.attended).toBe(1);
    expect(back[1].map(strip)).toEqual([{ type: 'setCarePlanStatus', params: { status: 'active' } }]);
    expect(acceptsEvent(back[0], { type: 'SESSION_ATTENDED' })).toBe(true);
  });

  it('DEATH cancels open tasks and revokes all plans', () => {
    const r = run([...enrol, { type: 'DEATH', date: '2026-11-01' }]);
    expect(r.snap.value).toBe('deceased');
    expect(r.snap.status).toBe('done');
    expect(r.last).toEqual([
      { type: 'cancelOpenTasks', params: {} },
      { type: 'revokeAllPlansOfPatient', params: { date: '2026-11-01' } },
      { type: 'setEpisodeStatus', params: { status: 'finished' } },
    ]);
  });
});

describe('course-of-care: re-stratification at the annual control, and the vulnerability flag', () => {
  const toMaintenance: CourseEvent[] = [
    ...enrol, strat1, { type: 'GOALS_AGREED', goals: ['g'] },
    ...Array.from({ length: DEFAULTS.educationSessions }, () => ({ type: 'SESSION_ATTENDED' }) as CourseEvent),
    { type: 'CLOSING_DONE' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' },
  ];

  it('the annual control opens its Task and a re-stratification', () => {
    const r = run([...toMaintenance, { type: 'ANNUAL_CONTROL_DUE' }]);
    expect(r.snap.matches({ enrolled: { active: { stratification: 'restratifying', course: 'maintenance' } } })).toBe(true);
    expect(r.last.filter((a) => a.type === 'createTask').map((a) => (a.params as { code: string }).code).sort()).toEqual(['annual-control', 'stratification']);
  });

  it('a vulnerable patient gets a coordinator whatever the stratum; the reason is required', () => {
    const r = run([...enrol, strat1, { type: 'VULNERABILITY_FLAGGED', reason: 'lives alone, cognitive decline' }]);
    expect(r.snap.matches({ enrolled: { active: { coordination: 'coordinatorRequested' } } })).toBe(true);
    expect(r.last).toContainEqual({ type: 'createTask', params: { code: 'appoint-care-coordinator', reason: 'the stratum or a vulnerability calls for a care coordinator' } });
    expect(r.last).toContainEqual({ type: 'recordOutcome', params: { outcome: 'vulnerable', reason: 'lives alone, cognitive decline' } });
  });
});

describe('course-of-care: a pause loses no timer', () => {
  it('takes the follow-up timer while paused (its Task waits for the resume), but no course step', () => {
    const toFollowUp: CourseEvent[] = [
      ...enrol, strat1, { type: 'GOALS_AGREED', goals: ['g'] },
      ...Array.from({ length: DEFAULTS.educationSessions }, () => ({ type: 'SESSION_ATTENDED' }) as CourseEvent),
      { type: 'CLOSING_DONE' }, { type: 'PAUSE' },
    ];
    const r = run(toFollowUp);
    const snap = r.snap as Parameters<typeof acceptsEvent>[0];
    expect(acceptsEvent(snap, { type: 'FOLLOW_UP_DUE' })).toBe(true);
    const [due] = transition(courseOfCare, snap, { type: 'FOLLOW_UP_DUE' });
    expect(acceptsEvent(due, { type: 'FOLLOW_UP_DONE' })).toBe(false);
    expect(due.matches({ enrolled: { active: { hold: 'paused', course: { followUp: 'due' } } } })).toBe(true);
  });
});
