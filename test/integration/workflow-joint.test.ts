import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICD, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { advanceClock, search, sendEvent, workflowOf } from '../support/workflow.js';

/*
 * Joint coordination for a frail elderly medical patient (seed 003) over the seeded catalogue, with the manual
 * clock: inclusion on recorded parameters, an admission (an inpatient Encounter), the quality parameters driven
 * by completing their Tasks — some late, as the deadline timers decide — discharge, and three months later the
 * follow-up that ends the coordination. The quality parameters are then reported with a plain FHIR search.
 */

let srv: TestServer;
let base: string;
let world: World;
const F = 'https://forlob.dk/fhir';
const QP = `${F}/CodeSystem/quality-parameter`;
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
const openTask = async (planId: string, c: string) => (await search(base, `Task?based-on=CarePlan/${planId}&_count=200`)).find((t) => code(t) === c && !['completed', 'cancelled'].includes(t.status));
const complete = async (task: any) => fhirFetch(`${base}/Task/${task.id}`, { method: 'PUT', body: { ...task, status: 'completed' } });
const post = async (body: any) => (await fhirFetch(`${base}/${body.resourceType}`, { method: 'POST', body })).body;

describe('joint coordination of a frail elderly patient', () => {
  it('runs inclusion, admission, the quality parameters on time and late, discharge and follow-up', async () => {
    const p = await createPatient(base, world, { birthDate: '1938-04-02', diagnoses: [[ICD, 'I50.9']] });
    for (const parameter of ['reduced-function', 'weak-network']) {
      await post({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${p.id}` }, code: { coding: [{ system: `${F}/CodeSystem/frail-elderly-parameter`, code: parameter }] }, valueBoolean: true });
    }
    const visit = await post({ resourceType: 'Encounter', status: 'finished', class: { system: ACT, code: 'AMB' }, subject: { reference: `Patient/${p.id}` }, serviceProvider: { reference: `Organization/${world.hospital}` } });
    const applied = await apply(base, 'frail-elderly', [subject(p.id), { name: 'encounter', valueString: `Encounter/${visit.id}` }]);
    expect(applied.status, applied.text).toBe(201);
    const plan = applied.body.id;

    let wf = await workflowOf(base, plan);
    expect(wf).toMatchObject({ machine: 'joint-coordination', version: '1.0.0', states: ['awaitingConsent'] });
    expect(wf.history[1]).toMatchObject({ event: 'INCLUDED', data: { basis: expect.arrayContaining(['reduced-function', 'weak-network']) } });
    expect((await sendEvent(base, plan, 'CONSENT_GIVEN')).status).toBe(200);
    expect(await openTask(plan, 'appoint-care-coordinator')).toBeDefined();

    // Admission: the hospital's Encounter starts the quality parameters, each a Task to its sector.
    const admission = await post({ resourceType: 'Encounter', status: 'in-progress', class: { system: ACT, code: 'IMP' }, subject: { reference: `Patient/${p.id}` }, serviceProvider: { reference: `Organization/${world.hospital}` } });
    wf = await workflowOf(base, plan);
    expect(wf.states).toContain('enrolled.stay.admitted');
    expect((await openTask(plan, 'admission-report')).owner).toEqual({ reference: `Organization/${world.municipality}` });
    expect((await openTask(plan, 'joint-discharge-plan')).owner).toEqual({ reference: `Organization/${world.hospital}` });
    expect(wf.timers.map((t) => t.event).sort()).toEqual(['ADMISSION_REPORT_OVERDUE', 'DISCHARGE_NOTICE_OVERDUE']);

    // The joint discharge plan in time; two days pass: the admission report and the readiness notice are late.
    expect((await complete(await openTask(plan, 'joint-discharge-plan'))).status).toBe(200);
    expect((await advanceClock(base, 'P2D')).fired.sort()).toEqual(['ADMISSION_REPORT_OVERDUE', 'DISCHARGE_NOTICE_OVERDUE']);
    expect(await openTask(plan, 'discharge-escalation')).toBeDefined();
    expect((await complete(await openTask(plan, 'admission-report'))).status).toBe(200);
    expect((await complete(await openTask(plan, 'discharge-readiness-notice'))).status).toBe(200);

    // Discharged without a care-course plan: recorded as missed, its Task cancelled; the letters go out in time.
    expect((await sendEvent(base, plan, 'DISCHARGED')).status).toBe(200);
    expect((await search(base, `Task?based-on=CarePlan/${plan}&code=${F}/CodeSystem/activity-type|care-course-plan`))[0].status).toBe('cancelled');
    expect((await complete(await openTask(plan, 'discharge-report'))).status).toBe(200);
    expect((await complete(await openTask(plan, 'discharge-letter'))).status).toBe(200);
    wf = await workflowOf(base, plan);
    expect(wf.states).toEqual(expect.arrayContaining(['enrolled.stay.home', 'enrolled.followUp.scheduled']));
    expect(await openTask(plan, 'follow-up-home-visit')).toBeDefined();

    // Reportable with a search: each parameter with its time, on time or late, for this admission.
    const observations = await search(base, `Observation?subject=Patient/${p.id}&code=${QP}|admission-information,${QP}|joint-discharge-plan,${QP}|care-course-plan,${QP}|discharge-readiness-notice,${QP}|discharge-report,${QP}|discharge-letter&_count=50`);
    const verdicts = Object.fromEntries(observations.map((o) => [code(o), o.valueCodeableConcept.coding[0].code]));
    expect(verdicts).toEqual({
      'admission-information': 'late', 'joint-discharge-plan': 'on-time', 'discharge-readiness-notice': 'late',
      'care-course-plan': 'late', 'discharge-report': 'on-time', 'discharge-letter': 'on-time',
    });
    expect(observations.every((o) => o.encounter?.reference === `Encounter/${admission.id}` && o.focus[0].reference === `CarePlan/${plan}` && o.effectiveDateTime)).toBe(true);
    const late = await search(base, `Observation?subject=Patient/${p.id}&value-concept=${QP}|late`);
    expect(late).toHaveLength(3);

    // About three months later, the follow-up conversation ends the coordination.
    expect((await advanceClock(base, 'P3M')).fired).toEqual(['FOLLOW_UP_DUE']);
    expect((await complete(await openTask(plan, 'follow-up-conversation'))).status).toBe(200);
    expect((await workflowOf(base, plan)).status).toBe('done');
    const carePlan = await readRef(base, `CarePlan/${plan}`);
    expect(carePlan.status).toBe('completed');
  });
});
