import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICD, SKS, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { advanceClock, search, sendEvent, workflowOf } from '../support/workflow.js';

/*
 * Courses of the seeded catalogue driven by standard FHIR writes, the way EHR and GP systems work: Tasks
 * completed with their outputs, an admission (inpatient Encounter), a new chronic diagnosis (Condition); a COPD
 * patient whose admission re-stratifies them into a care coordinator with relay handovers; pause and resume;
 * death across two programmes.
 */

let srv: TestServer;
let base: string;
let world: World;
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

beforeAll(async () => {
  srv = await startTestServer({ SEED: 'catalogue', CLOCK: 'manual', SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

const code = (r: any) => r.code?.coding?.[0]?.code;
const tasksOf = (planId: string) => search(base, `Task?based-on=CarePlan/${planId}&_count=200`);
const openTask = async (planId: string, c: string) => (await tasksOf(planId)).find((t) => code(t) === c && !['completed', 'cancelled'].includes(t.status));
const put = (r: any) => fhirFetch(`${base}/${r.resourceType}/${r.id}`, { method: 'PUT', body: r });
interface Participant { member: string; start?: string; end?: string }
const participants = async (planId: string, role: string): Promise<Participant[]> => {
  const plan = await readRef(base, `CarePlan/${planId}`);
  const team = await readRef(base, plan.careTeam[0].reference);
  return team.participant.filter((p: any) => p.role[0].coding[0].code === role).map((p: any) => ({ member: p.member.reference, start: p.period?.start, end: p.period?.end }));
};
const practitioner = async (family: string) => (await fhirFetch(`${base}/Practitioner`, { method: 'POST', body: { resourceType: 'Practitioner', name: [{ family }] } })).body.id as string;

async function complete(task: any, outputs: Record<string, string | string[]> = {}) {
  task.status = 'completed';
  task.output = Object.entries(outputs).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => (/^[A-Z][a-zA-Z]+\//.test(value) ? { type: { text: name }, valueReference: { reference: value } } : { type: { text: name }, valueString: value })),
  );
  return put(task);
}

async function enrolCopd(): Promise<{ patient: string; plan: string; encounter: string }> {
  const p = await createPatient(base, world, { diagnoses: [[ICD, 'J44.1']] });
  // An outpatient contact at the hospital department puts it on the care team (for a coordinator later).
  const enc = await fhirFetch(`${base}/Encounter`, {
    method: 'POST',
    body: { resourceType: 'Encounter', status: 'finished', class: { system: ACT, code: 'AMB' }, subject: { reference: `Patient/${p.id}` }, serviceProvider: { reference: `Organization/${world.hospital}` } },
  });
  const res = await apply(base, 'copd', [subject(p.id), { name: 'practitioner', valueString: `Practitioner/${world.gp}` }, { name: 'encounter', valueString: `Encounter/${enc.body.id}` }]);
  expect(res.status, res.text).toBe(201);
  return { patient: p.id, plan: res.body.id, encounter: enc.body.id };
}

describe('COPD: admission, re-stratification, a care coordinator in relay handovers — all by FHIR writes', () => {
  it('runs through Tasks, an Encounter and a Condition', async () => {
    const { patient, plan } = await enrolCopd();
    const gp = `Practitioner/${world.gp}`;

    // The GP system completes the consent Task: the course starts.
    const consent = await openTask(plan, 'consent');
    consent.owner = { reference: gp };
    expect((await complete(consent)).status).toBe(200);
    expect((await readRef(base, `CarePlan/${plan}`)).status).toBe('active');
    expect((await workflowOf(base, plan)).history.at(-1)).toMatchObject({ event: 'CONSENT_GIVEN', by: gp });

    // Completing the clarifying conversation without its goals is refused with the write.
    const clarifying = await openTask(plan, 'clarifying-conversation');
    const refused = await complete(structuredClone(clarifying));
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].diagnostics).toMatch(/GOALS_AGREED.*goals/);
    expect((await readRef(base, `Task/${clarifying.id}`)).status).toBe('requested');
    expect((await complete(clarifying, { goals: ['Climb the stairs without a break'] })).status).toBe(200);
    expect((await workflowOf(base, plan)).states).toContain('enrolled.active.course.sessions');

    // An emergency admission: the course asks for a re-stratification.
    const admission = await fhirFetch(`${base}/Encounter`, {
      method: 'POST',
      body: { resourceType: 'Encounter', status: 'in-progress', class: { system: ACT, code: 'IMP' }, subject: { reference: `Patient/${patient}` }, serviceProvider: { reference: `Organization/${world.hospital}` } },
    });
    expect(admission.status).toBe(201);
    let wf = await workflowOf(base, plan);
    expect(wf.states).toContain('enrolled.active.stratification.restratifying');
    expect(wf.history.at(-1)).toMatchObject({ event: 'RESTRATIFY', data: { trigger: 'ACUTE_EPISODE' }, by: undefined });

    // The hospital completes the stratification Task with the assessment: stratum 4 calls for a coordinator.
    const stratification = await openTask(plan, 'stratification');
    expect((await complete(stratification, { stratum: '4', complexity: 'high', selfCare: 'low', severity: 'severe' })).status).toBe(200);
    const carePlan = await readRef(base, `CarePlan/${plan}`);
    expect(carePlan.extension.find((e: any) => e.url.endsWith('careplan-stratum')).valueCodeableConcept.coding[0].code).toBe('4');
    const observations = await Promise.all(carePlan.supportingInfo.filter((r: any) => r.reference.startsWith('Observation/')).map((r: any) => readRef(base, r.reference)));
    expect(observations.at(-1)).toMatchObject({ valueCodeableConcept: { coding: [{ code: '4' }] }, method: { coding: [{ code: 'computed' }] } });
    expect(observations.at(-1).derivedFrom).toEqual([{ reference: `Observation/${observations[0].id}` }]);
    const appoint = await openTask(plan, 'appoint-care-coordinator');
    expect(appoint.owner).toEqual({ reference: `Organization/${world.hospital}` });

    // The department appoints a coordinator: a relay handover Task for her, with a deadline.
    const nurse = `Practitioner/${await practitioner('Sygeplejerske')}`;
    expect((await complete(appoint, { practitioner: nurse })).status).toBe(200);
    const handover = await openTask(plan, 'coordinator-handover');
    expect(handover.owner).toEqual({ reference: nurse });
    expect((await workflowOf(base, plan)).timers.map((t) => t.id)).toContain('handover');
    expect(await participants(plan, 'care-coordinator')).toEqual([]);

    // Not accepted within seven days: escalated, and still waiting.
    expect((await advanceClock(base, 'P8D')).fired).toContain('HANDOVER_DEADLINE');
    expect(await openTask(plan, 'handover-escalation')).toBeDefined();
    expect((await complete(handover)).status).toBe(200);
    const [first] = await participants(plan, 'care-coordinator');
    expect(first).toMatchObject({ member: nurse, end: undefined });
    expect((await workflowOf(base, plan)).timers.map((t) => t.id)).not.toContain('handover');

    // A second coordinator in the relay: the first stays on the team until the second accepts.
    const nurse2 = `Practitioner/${await practitioner('Koordinator')}`;
    expect((await sendEvent(base, plan, 'COORDINATOR_ASSIGNED', { practitioner: nurse2 }, { by: nurse })).status).toBe(200);
    expect((await participants(plan, 'care-coordinator')).map((p) => [p.member, !!p.end])).toEqual([[nurse, false]]);
    await advanceClock(base, 'P2D');
    expect((await complete(await openTask(plan, 'coordinator-handover'))).status).toBe(200);
    const relay = await participants(plan, 'care-coordinator');
    expect(relay.map((p) => p.member)).toEqual([nurse, nurse2]);
    expect(relay[0].end).toBe(relay[1].start);

    // A new chronic diagnosis (diabetes) re-stratifies the course again; a cold does not.
    const cold = await fhirFetch(`${base}/Condition`, { method: 'POST', body: { resourceType: 'Condition', subject: { reference: `Patient/${patient}` }, code: { coding: [{ system: ICD, code: 'J00' }] } } });
    expect(cold.status).toBe(201);
    expect((await workflowOf(base, plan)).states).toContain('enrolled.active.stratification.stratified');
    const diabetes = await fhirFetch(`${base}/Condition`, { method: 'POST', body: { resourceType: 'Condition', subject: { reference: `Patient/${patient}` }, code: { coding: [{ system: SKS, code: 'DE119' }] } } });
    expect(diabetes.status).toBe(201);
    wf = await workflowOf(base, plan);
    expect(wf.states).toContain('enrolled.active.stratification.restratifying');
    expect(wf.history.at(-1)).toMatchObject({ event: 'RESTRATIFY', data: { trigger: 'NEW_DIAGNOSIS' } });
  });

  it('a client may not set the status of a workflow-driven plan; pause and resume go through $event', async () => {
    const { plan } = await enrolCopd();
    const carePlan = await readRef(base, `CarePlan/${plan}`);
    carePlan.status = 'active';
    const res = await put(carePlan);
    expect(res.status).toBe(409);
    expect(res.body.issue[0].diagnostics).toMatch(/\$event/);
    expect((await sendEvent(base, plan, 'CONSENT_GIVEN')).status).toBe(200);
    expect((await sendEvent(base, plan, 'PAUSE', { reason: 'hospitalised abroad' })).status).toBe(200);
    expect((await readRef(base, `CarePlan/${plan}`)).status).toBe('on-hold');
    const paused = await sendEvent(base, plan, 'GOALS_AGREED', { goals: ['x'] });
    expect(paused.status).toBe(409);
    expect((await sendEvent(base, plan, 'RESUME')).status).toBe(200);
    expect((await readRef(base, `CarePlan/${plan}`)).status).toBe('active');
    expect((await workflowOf(base, plan)).states).toContain('enrolled.active.course.clarifying');
  });
});

describe('death', () => {
  it('revokes every plan of the patient and cancels their open Tasks, whichever course hears of it', async () => {
    const p = await createPatient(base, world, { diagnoses: [[ICD, 'J44.1'], [SKS, 'DE119']] });
    const copd = (await apply(base, 'copd', [subject(p.id)])).body.id;
    const dm = (await apply(base, 'diabetes-type-2', [subject(p.id)])).body.id;
    expect(copd && dm).toBeTruthy();
    expect((await sendEvent(base, copd, 'CONSENT_GIVEN')).status).toBe(200);
    const res = await sendEvent(base, copd, 'DEATH', { date: '2026-12-01' });
    expect(res.status, res.text).toBe(200);
    for (const id of [copd, dm]) {
      const plan = await readRef(base, `CarePlan/${id}`);
      expect(plan.status, id).toBe('revoked');
      expect((await workflowOf(base, id)).states).toEqual(['deceased']);
      expect((await tasksOf(id)).filter((t) => !['completed', 'cancelled'].includes(t.status))).toEqual([]);
      const episode = await readRef(base, plan.extension.find((e: any) => e.url.endsWith('workflow-episodeOfCare')).valueReference.reference);
      expect(episode.status).toBe('finished');
    }
  });
});
