import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { expectErrorOutcome } from './rest-helpers.js';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { ICD, SKS, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes', 'fixture-copd']);
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

const overview = (patientId: string) => fhirFetch(`${base}/Patient/${patientId}/$care-overview`);
const ofType = (bundle: any, type: string) => bundle.entry.filter((e: any) => e.resource.resourceType === type).map((e: any) => e.resource);

describe('GET Patient/{id}/$care-overview', () => {
  it('shows both programmes of a patient: enrolments, plans, teams, stratifications and open tasks', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [ICD, 'J44.1']] });
    const dm = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    const kol = await apply(base, 'fixture-copd', [subject(p.id)]);
    expect([dm.status, kol.status]).toEqual([201, 201]);
    // Another patient's care must not leak in.
    const other = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    expect((await apply(base, 'fixture-diabetes', [subject(other.id)])).status).toBe(201);

    const res = await overview(p.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('collection');
    expect(res.body.entry[0].resource).toMatchObject({ resourceType: 'Patient', id: p.id });
    for (const e of res.body.entry) expect(e.fullUrl).toBe(`${base}/${e.resource.resourceType}/${e.resource.id}`);

    const episodes = ofType(res.body, 'EpisodeOfCare');
    expect(episodes.map((e: any) => e.extension[0].valueCanonical).sort()).toEqual([
      'https://forlob.dk/fhir/PlanDefinition/fixture-copd|1.0.0',
      'https://forlob.dk/fhir/PlanDefinition/fixture-diabetes|1.0.0',
    ]);
    expect(ofType(res.body, 'CarePlan').map((c: any) => c.id).sort()).toEqual([dm.body.id, kol.body.id].sort());
    expect(ofType(res.body, 'CareTeam').map((t: any) => `CareTeam/${t.id}`).sort()).toEqual([dm.body.careTeam[0].reference, kol.body.careTeam[0].reference].sort());
    expect(ofType(res.body, 'Observation')).toHaveLength(2);
    // Per plan: its first step (a draft until the patient consents) and the consent Task the workflow opened.
    const tasks = ofType(res.body, 'Task');
    expect(tasks.map((t: any) => `${t.code.coding[0].code}:${t.status}`).sort()).toEqual([
      'clarifying-conversation:draft', 'clarifying-conversation:draft', 'consent:requested', 'consent:requested',
    ]);
    expect(tasks.every((t: any) => t.for.reference === `Patient/${p.id}`)).toBe(true);
    const resourcesOf = (r: any) => JSON.stringify(r);
    expect(res.body.entry.some((e: any) => resourcesOf(e.resource).includes(`Patient/${other.id}`))).toBe(false);
  });

  it('leaves out ended enrolments, done tasks, and includes the plans goals', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [ICD, 'J44.1']] });
    const dm = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    const kol = await apply(base, 'fixture-copd', [subject(p.id)]);
    // End the COPD enrolment.
    const kolEpisode = await readRef(base, kol.body.extension.find((e: any) => e.url.endsWith('workflow-episodeOfCare')).valueReference.reference);
    kolEpisode.status = 'finished';
    kolEpisode.period.end = new Date().toISOString();
    expect((await fhirFetch(`${base}/EpisodeOfCare/${kolEpisode.id}`, { method: 'PUT', body: kolEpisode })).status).toBe(200);
    // Complete the diabetes plan's consent Task (the workflow then opens the first step), and give the plan a goal.
    const tasks = await Promise.all(dm.body.activity.filter((a: any) => a.reference?.reference.startsWith('Task/')).map((a: any) => readRef(base, a.reference.reference)));
    const consent = tasks.find((t: any) => t.code.coding[0].code === 'consent');
    consent.status = 'completed';
    expect((await fhirFetch(`${base}/Task/${consent.id}`, { method: 'PUT', body: consent })).status).toBe(200);
    const goal = await fhirFetch(`${base}/Goal`, {
      method: 'POST',
      body: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'HbA1c below 53 mmol/mol' }, subject: { reference: `Patient/${p.id}` } },
    });
    const plan = await readRef(base, `CarePlan/${dm.body.id}`);
    plan.goal = [{ reference: `Goal/${goal.body.id}` }];
    expect((await fhirFetch(`${base}/CarePlan/${plan.id}`, { method: 'PUT', body: plan })).status).toBe(200);

    const res = await overview(p.id);
    expect(res.status, res.text).toBe(200);
    expect(ofType(res.body, 'EpisodeOfCare').map((e: any) => e.id)).toHaveLength(1);
    expect(ofType(res.body, 'CarePlan').map((c: any) => c.id)).toEqual([dm.body.id]);
    expect(ofType(res.body, 'Goal').map((g: any) => g.id)).toEqual([goal.body.id]);
    expect(ofType(res.body, 'Task').map((t: any) => `${t.code.coding[0].code}:${t.status}`)).toEqual(['clarifying-conversation:requested']);
  });

  it('is an empty picture for a patient in no programme, and 404 for an unknown patient', async () => {
    const p = await createPatient(base, world, {});
    const res = await overview(p.id);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.resource.resourceType)).toEqual(['Patient']);
    const missing = await overview('no-such-patient');
    expect(missing.status).toBe(404);
    expectErrorOutcome(missing);
  });
});
