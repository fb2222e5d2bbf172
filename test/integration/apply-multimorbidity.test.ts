import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { historyTotal } from './rest-helpers.js';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { ICD, SKS, WRITTEN_TYPES, apply, counts, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes', 'fixture-copd', 'fixture-strict']);
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

const tovholders = (team: any) =>
  team.participant.filter((p: any) => p.role[0].coding[0].code === 'tovholder').map((p: any) => [p.member.reference, p.period.start]);

describe('atomic persistence', () => {
  it('a write that fails half way (the Task after EpisodeOfCare, CareTeam and CarePlan) leaves nothing behind', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const before = await counts(base, WRITTEN_TYPES);
    const versionsBefore = await historyTotal(base);
    // The preview shows the Task is preceded by writes that would succeed on their own.
    const preview = await fhirFetch(`${base}/PlanDefinition/fixture-strict/$apply?subject=Patient/${p.id}`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.entry.map((e: any) => e.resource.resourceType)).toEqual(['EpisodeOfCare', 'CareTeam', 'CarePlan', 'Task', 'Provenance']);

    const res = await apply(base, 'fixture-strict', [subject(p.id)]);
    expect(res.status, res.text).toBe(422);
    expect(res.text).toContain('Bundle.entry[3]');
    expect(res.text).toContain('priority');
    expect(await counts(base, WRITTEN_TYPES)).toEqual(before);
    expect(await historyTotal(base)).toBe(versionsBefore);
    // The failed attempt did not enrol the patient: the next programme still can.
    expect((await apply(base, 'fixture-diabetes', [subject(p.id)])).status).toBe(201);
  });
});

describe('multimorbidity', () => {
  it('a patient in two programmes has one tovholder, kept even when the GP on record changes', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [ICD, 'J44.1']] });
    const first = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    expect(first.status, first.text).toBe(201);
    // The patient's record now names another GP: the active tovholder is still the one of the first programme.
    const patient = await readRef(base, `Patient/${p.id}`);
    patient.generalPractitioner = [{ reference: `Practitioner/${world.otherGp}` }];
    expect((await fhirFetch(`${base}/Patient/${p.id}`, { method: 'PUT', body: patient })).status).toBe(200);
    const second = await apply(base, 'fixture-copd', [subject(p.id)]);
    expect(second.status, second.text).toBe(201);

    const team1 = await readRef(base, first.body.careTeam[0].reference);
    const team2 = await readRef(base, second.body.careTeam[0].reference);
    expect(team1.id).not.toBe(team2.id);
    expect(tovholders(team1)).toHaveLength(1);
    expect(tovholders(team2)).toEqual(tovholders(team1));
    expect(tovholders(team2)[0][0]).toBe(`Practitioner/${world.gp}`);
  });

  it('two chronic diseases make the complexity high: stratum 3 in both programmes', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [SKS, 'DJ441']] });
    for (const programme of ['fixture-diabetes', 'fixture-copd']) {
      const res = await apply(base, programme, [subject(p.id)]);
      expect(res.status, res.text).toBe(201);
      const stratum = res.body.extension.find((e: any) => e.url === 'https://forlob.dk/fhir/StructureDefinition/careplan-stratum');
      expect(stratum.valueCodeableConcept.coding[0].code).toBe('3');
    }
  });

  it('without a GP: a Task asks the managing organisation to appoint a tovholder; the appointed one is then reused', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [ICD, 'J44.1']], withGp: false });
    const first = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'organization', valueString: `Organization/${world.hospital}` }]);
    expect(first.status, first.text).toBe(201);
    const tasks = (await fhirFetch(`${base}/Task?based-on=CarePlan/${first.body.id}`)).body.entry.map((e: any) => e.resource);
    const appoint = tasks.find((t: any) => t.code.coding[0].code === 'appoint-tovholder');
    expect(appoint).toMatchObject({ status: 'requested', owner: { reference: `Organization/${world.hospital}` }, for: { reference: `Patient/${p.id}` } });
    const team = await readRef(base, first.body.careTeam[0].reference);
    expect(tovholders(team)).toEqual([]);

    // The organisation appoints a tovholder in the first team; the second programme reuses it.
    team.participant.unshift({
      role: [{ coding: [{ system: 'https://forlob.dk/fhir/CodeSystem/careteam-role', code: 'tovholder' }] }],
      member: { reference: `Practitioner/${world.otherGp}` },
      period: { start: '2025-02-01T09:00:00Z' },
    });
    expect((await fhirFetch(`${base}/CareTeam/${team.id}`, { method: 'PUT', body: team })).status).toBe(200);
    const second = await apply(base, 'fixture-copd', [subject(p.id)]);
    expect(second.status, second.text).toBe(201);
    const team2 = await readRef(base, second.body.careTeam[0].reference);
    expect(tovholders(team2)).toEqual([[`Practitioner/${world.otherGp}`, '2025-02-01T09:00:00Z']]);
    const tasks2 = (await fhirFetch(`${base}/Task?based-on=CarePlan/${second.body.id}`)).body.entry.map((e: any) => e.resource.code.coding[0].code);
    expect(tasks2).not.toContain('appoint-tovholder');
  });
});
