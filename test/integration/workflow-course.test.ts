import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { advanceClock, search, sendEvent, workflowOf } from '../support/workflow.js';

/*
 * A municipal diabetes course stepped through the HTTP API with the manual clock, as in seed 004: consent,
 * clarifying conversation (late: escalated), six weekly sessions, closing conversation, and three months
 * later the follow-up; then maintenance with its annual control. Every step is checked on the FHIR side.
 */

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer({ CLOCK: 'manual', SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes']);
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

const code = (r: any) => r.code?.coding?.[0]?.code;
const tasksOf = async (planId: string) => search(base, `Task?based-on=CarePlan/${planId}&_count=100`);
const taskStatus = async (planId: string) => Object.fromEntries((await tasksOf(planId)).map((t) => [code(t), t.status]));

describe('a municipal course of care, end to end with the manual clock', () => {
  it('runs from consent to maintenance with every effect in FHIR', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const gp = `Practitioner/${world.gp}`;
    const applied = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'practitioner', valueString: gp }]);
    expect(applied.status, applied.text).toBe(201);
    const id = applied.body.id;

    let wf = await workflowOf(base, id);
    expect(wf).toMatchObject({ machine: 'course-of-care', version: '1.0.0', status: 'active', states: ['awaitingConsent'] });
    expect(wf.allowed.sort()).toEqual(['CONSENT_DECLINED', 'CONSENT_GIVEN', 'DEATH', 'TRANSFER', 'WITHDRAW']);
    expect(wf.history.map((h) => h.event)).toEqual(['START', 'SCREENED']);

    // Consent: a Consent resource, the plan, episode and team active, the first step's draft Task requested.
    let res = await sendEvent(base, id, 'CONSENT_GIVEN', {}, { by: gp });
    expect(res.status, res.text).toBe(200);
    const plan = await readRef(base, `CarePlan/${id}`);
    expect(plan.status).toBe('active');
    expect(res.headers.get('etag')).toBe(`W/"${plan.meta.versionId}"`);
    const consent = await readRef(base, plan.supportingInfo.find((r: any) => r.reference.startsWith('Consent/')).reference);
    expect(consent).toMatchObject({ status: 'active', patient: { reference: `Patient/${p.id}` }, provision: { type: 'permit' } });
    const episode = await readRef(base, plan.extension.find((e: any) => e.url.endsWith('workflow-episodeOfCare')).valueReference.reference);
    expect(episode.status).toBe('active');
    expect(episode.statusHistory.map((h: any) => h.status)).toEqual(['planned', 'active']);
    expect((await readRef(base, plan.careTeam[0].reference)).status).toBe('active');
    expect(await taskStatus(id)).toEqual({ 'clarifying-conversation': 'requested', consent: 'completed' });
    const history = plan.extension.filter((e: any) => e.url.endsWith('careplan-status-history')).map((e: any) => e.extension[0].valueCode);
    expect(history).toEqual(['draft', 'active']);
    wf = await workflowOf(base, id);
    expect(wf.states).toEqual(['enrolled.active.hold.running', 'enrolled.active.stratification.stratified', 'enrolled.active.coordination.tovholderOnly', 'enrolled.active.course.clarifying']);
    expect(wf.timers.map((t) => [t.id, t.event])).toEqual([['clarifying', 'CLARIFYING_OVERDUE']]);

    // Two weeks and a day pass without the conversation: the timer escalates.
    const late = await advanceClock(base, 'P15D');
    expect(late.fired).toEqual(['CLARIFYING_OVERDUE']);
    expect((await taskStatus(id))['clarifying-escalation']).toBe('requested');

    res = await sendEvent(base, id, 'GOALS_AGREED', { goals: ['HbA1c below 53 mmol/mol', 'Walk 30 minutes a day'] }, { by: gp });
    expect(res.status, res.text).toBe(200);
    const withGoals = await readRef(base, `CarePlan/${id}`);
    const goals = await Promise.all(withGoals.goal.map((g: any) => readRef(base, g.reference)));
    expect(goals.map((g) => g.description.text)).toEqual(['HbA1c below 53 mmol/mol', 'Walk 30 minutes a day']);
    expect(goals.every((g) => g.lifecycleStatus === 'active' && g.subject.reference === `Patient/${p.id}`)).toBe(true);
    expect(await taskStatus(id)).toMatchObject({ 'clarifying-conversation': 'completed', 'education-session': 'requested' });
    expect((await workflowOf(base, id)).timers).toEqual([]);

    // Six weekly sessions, one missed on the way (not twice in a row: no follow-up Task).
    for (const [i, event] of ['SESSION_ATTENDED', 'SESSION_MISSED', 'SESSION_ATTENDED', 'SESSION_ATTENDED', 'SESSION_ATTENDED', 'SESSION_ATTENDED', 'SESSION_ATTENDED'].entries()) {
      if (i > 0) await advanceClock(base, 'P7D');
      res = await sendEvent(base, id, event);
      expect(res.status, `${event} #${i}: ${res.text}`).toBe(200);
    }
    let status = await taskStatus(id);
    expect(status['absence-follow-up']).toBeUndefined();
    expect(status).toMatchObject({ 'education-session': 'completed', 'closing-conversation': 'requested' });

    res = await sendEvent(base, id, 'CLOSING_DONE', {}, { by: gp });
    expect(res.status, res.text).toBe(200);
    const reviewed = await Promise.all(withGoals.goal.map((g: any) => readRef(base, g.reference)));
    expect(reviewed.every((g) => g.statusDate && g.note.some((n: any) => /closing/.test(n.text)))).toBe(true);
    wf = await workflowOf(base, id);
    expect(wf.states).toContain('enrolled.active.course.followUp.waiting');
    const followUp = wf.timers.find((t) => t.id === 'follow-up')!;
    expect(followUp.event).toBe('FOLLOW_UP_DUE');

    // Three months later the follow-up conversation falls due, at its due time.
    const months = await advanceClock(base, 'P3M');
    expect(months.fired).toEqual(['FOLLOW_UP_DUE']);
    status = await taskStatus(id);
    expect(status['follow-up-conversation']).toBe('requested');
    const due = (await tasksOf(id)).find((t) => code(t) === 'follow-up-conversation');
    expect(Math.abs(Date.parse(due.authoredOn) - Date.parse(followUp.due))).toBeLessThan(5_000);

    res = await sendEvent(base, id, 'FOLLOW_UP_DONE', {}, { by: gp });
    expect(res.status, res.text).toBe(200);
    wf = await workflowOf(base, id);
    expect(wf.states).toContain('enrolled.active.course.maintenance');
    expect(wf.timers.map((t) => t.event)).toEqual(['ANNUAL_CONTROL_DUE']);
    expect((await advanceClock(base, 'P1Y')).fired).toEqual(['ANNUAL_CONTROL_DUE']);
    expect((await taskStatus(id))['annual-control']).toBe('requested');
    // Re-armed for the next year.
    expect((await workflowOf(base, id)).timers.map((t) => t.event)).toEqual(['ANNUAL_CONTROL_DUE']);

    // One Provenance per transition that wrote something, naming the event and who sent it.
    wf = await workflowOf(base, id);
    const provenances = await search(base, `Provenance?target=CarePlan/${id}&_count=100`);
    const recorded = wf.history.filter((h) => h.provenance);
    expect(recorded.length).toBe(wf.history.length - 1); // START wrote nothing of its own
    for (const h of recorded) {
      const prov = provenances.find((x) => `Provenance/${x.id}` === h.provenance);
      expect(prov, h.event).toBeDefined();
      expect(prov.activity.coding.some((c: any) => c.code === h.event)).toBe(true);
      if (h.by) expect(prov.agent[0].who.reference).toBe(h.by);
    }
    expect(recorded.find((h) => h.event === 'FOLLOW_UP_DUE')!.by).toBeUndefined();
  });
});
