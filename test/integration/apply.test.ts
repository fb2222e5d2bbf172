import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { expectErrorOutcome } from './rest-helpers.js';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { ICD, ICPC, SKS, WRITTEN_TYPES, apply, counts, createPatient, createWorld, readRef, referencesIn, subject, type World } from '../fixtures/programmes/http.js';

const F = 'https://forlob.dk/fhir';
const DIABETES = `${F}/PlanDefinition/fixture-diabetes`;

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes', 'fixture-copd', 'fixture-retired']);
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

const diagnostics = (res: { body: { issue: { diagnostics?: string }[] } }) => res.body.issue.map((i) => i.diagnostics ?? '').join('\n');

describe('POST PlanDefinition/{id}/$apply for an eligible patient', () => {
  it('answers 201 with the stored CarePlan and a Location', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const res = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'practitioner', valueString: `Practitioner/${world.gp}` }]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.resourceType).toBe('CarePlan');
    // Version 1 is what $apply wrote; version 2 is the workflow's screening (eligible: ask for consent).
    expect(res.headers.get('location')).toBe(`${base}/CarePlan/${res.body.id}/_history/2`);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(res.body.status).toBe('draft');
    const stored = await readRef(base, `CarePlan/${res.body.id}`);
    expect(stored).toEqual(res.body);
    expect(stored.instantiatesCanonical).toEqual([`${DIABETES}|1.0.0`]);
    expect(stored.subject).toEqual({ reference: `Patient/${p.id}` });
    expect(stored.addresses).toEqual([{ reference: `Condition/${p.conditions[0]}` }]);
  });

  it('stores every resource, linked: each reference resolves, and the pieces point at each other', async () => {
    const p = await createPatient(base, world, { diagnoses: [[ICD, 'E11.9'], [ICPC, 'T90']] });
    const res = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    expect(res.status, res.text).toBe(201);
    const plan = res.body;
    const episodeRef = plan.extension.find((e: any) => e.url === 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare').valueReference.reference;
    const episode = await readRef(base, episodeRef);
    const team = await readRef(base, plan.careTeam[0].reference);
    const observation = await readRef(base, plan.supportingInfo[0].reference);
    const tasks = (await fhirFetch(`${base}/Task?based-on=CarePlan/${plan.id}`)).body.entry.map((e: any) => e.resource);
    const provenance = (await fhirFetch(`${base}/Provenance?target=CarePlan/${plan.id}`)).body.entry.map((e: any) => e.resource);

    expect(episode.extension[0]).toEqual({ url: 'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-enrolledIn', valueCanonical: `${DIABETES}|1.0.0` });
    expect(episode.diagnosis.map((d: any) => d.condition.reference).sort()).toEqual(p.conditions.map((c) => `Condition/${c}`).sort());
    expect(episode.team).toEqual([{ reference: `CareTeam/${team.id}` }]);
    expect(episode.careManager).toEqual({ reference: `Practitioner/${world.gp}` });
    expect(episode.managingOrganization).toEqual({ reference: `Organization/${world.practice}` });
    const roles = team.participant.map((x: any) => [x.role[0].coding[0].code, x.member.reference]);
    expect(roles).toEqual([
      ['tovholder', `Practitioner/${world.gp}`],
      ['general-practice', `Organization/${world.practice}`],
      ['municipality', `Organization/${world.municipality}`],
    ]);
    expect(observation.valueCodeableConcept.coding[0]).toEqual({ system: `${F}/CodeSystem/stratum`, code: '1' });
    expect(episode.status).toBe('planned');
    expect(team.status).toBe('proposed');
    expect(plan.status).toBe('draft');
    // The first step waits (draft) for the consent the workflow asks for with a Task of its own.
    expect(tasks).toHaveLength(2);
    const [first, consent] = [tasks.find((t: any) => t.code.coding[0].code !== 'consent'), tasks.find((t: any) => t.code.coding[0].code === 'consent')];
    expect(first).toMatchObject({ status: 'draft', intent: 'order', for: { reference: `Patient/${p.id}` }, owner: { reference: `Organization/${world.municipality}` } });
    expect(consent).toMatchObject({ status: 'requested', for: { reference: `Patient/${p.id}` }, basedOn: [{ reference: `CarePlan/${plan.id}` }] });
    expect(plan.activity[0].reference).toEqual({ reference: `Task/${first.id}` });
    expect(plan.activity.at(-1).reference).toEqual({ reference: `Task/${consent.id}` });
    // One Provenance for what $apply wrote, one for the screening transition.
    expect(provenance).toHaveLength(2);
    const byActivity = (code: string) => provenance.find((x: any) => (x.activity?.coding ?? []).some((c: any) => c.code === code));
    expect(byActivity('SCREENED').target.map((t: any) => t.reference.split('/')[0]).sort()).toEqual(['CarePlan', 'Task']);
    const applied = provenance.find((x: any) => x !== byActivity('SCREENED'));
    expect(applied.target.map((t: any) => t.reference.split('/')[0]).sort()).toEqual(['CarePlan', 'CareTeam', 'EpisodeOfCare', 'Observation', 'Task']);

    // No reference is left pointing at a urn:uuid, and every local one resolves.
    for (const resource of [plan, episode, team, observation, ...tasks, ...provenance]) {
      for (const ref of referencesIn(resource)) {
        expect(ref.startsWith('urn:'), ref).toBe(false);
        await readRef(base, ref);
      }
    }
  });

  it('accepts a type-level call with url (and url|version), a valueReference subject and query parameters', async () => {
    const a = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const byUrl = await fhirFetch(`${base}/PlanDefinition/$apply`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: `${DIABETES}|1.0.0` }, { name: 'subject', valueReference: { reference: `Patient/${a.id}` } }] },
    });
    expect(byUrl.status, byUrl.text).toBe(201);
    const b = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const byQuery = await fhirFetch(`${base}/PlanDefinition/$apply?url=${encodeURIComponent(DIABETES)}&subject=Patient/${b.id}`, { method: 'POST' });
    expect(byQuery.status, byQuery.text).toBe(201);
    expect(byQuery.body.instantiatesCanonical).toEqual([`${DIABETES}|1.0.0`]);
  });
});

describe('the encounter parameter', () => {
  it("links the enrolment to the encounter and adds its service provider as the hospital department", async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const enc = await fhirFetch(`${base}/Encounter`, {
      method: 'POST',
      body: {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/${p.id}` },
        serviceProvider: { reference: `Organization/${world.hospital}` },
      },
    });
    expect(enc.status, enc.text).toBe(201);
    const res = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'encounter', valueString: `Encounter/${enc.body.id}` }]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.encounter).toEqual({ reference: `Encounter/${enc.body.id}` });
    const team = await readRef(base, res.body.careTeam[0].reference);
    const department = team.participant.find((x: any) => x.role[0].coding[0].code === 'hospital-department');
    expect(department.member).toEqual({ reference: `Organization/${world.hospital}` });

    const stranger = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const wrong = await apply(base, 'fixture-diabetes', [subject(stranger.id), { name: 'encounter', valueString: `Encounter/${enc.body.id}` }]);
    expect(wrong.status, wrong.text).toBe(400);
    expect(diagnostics(wrong)).toContain('is not an encounter of');
  });
});

describe('preview', () => {
  it('GET returns the transaction Bundle and stores nothing', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const before = await counts(base, WRITTEN_TYPES);
    const res = await fhirFetch(`${base}/PlanDefinition/fixture-diabetes/$apply?subject=Patient/${p.id}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('transaction');
    expect(res.body.entry.map((e: any) => e.resource.resourceType)).toEqual(['EpisodeOfCare', 'CareTeam', 'Observation', 'CarePlan', 'Task', 'Provenance']);
    expect(res.body.entry.every((e: any) => e.fullUrl.startsWith('urn:uuid:'))).toBe(true);
    expect(await counts(base, WRITTEN_TYPES)).toEqual(before);
  });

  it('POST with persist=false returns the Bundle and stores nothing; the Bundle can then be posted as it is', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const before = await counts(base, WRITTEN_TYPES);
    const res = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'persist', valueBoolean: false }]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.type).toBe('transaction');
    expect(await counts(base, WRITTEN_TYPES)).toEqual(before);
    const posted = await fhirFetch(base, { method: 'POST', body: res.body });
    expect(posted.status, posted.text).toBe(200);
    const after = await counts(base, WRITTEN_TYPES);
    expect(after.CarePlan).toBe(before.CarePlan + 1);
    expect(after.Provenance).toBe(before.Provenance + 1);
  });
});

describe('refusals', () => {
  it('422 names the unmet inclusion', async () => {
    const p = await createPatient(base, world, { diagnoses: [[ICD, 'J44.1']] });
    const res = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    expect(res.status, res.text).toBe(422);
    expectErrorOutcome(res);
    expect(res.body.issue[1]).toMatchObject({ code: 'business-rule', details: { text: 'inclusion' }, expression: ['PlanDefinition.action[0].condition[0]'] });
    expect(diagnostics(res)).toContain('The patient has type 2 diabetes (ICD-10 E11, SKS DE11 or ICPC-2 T90).');
  });

  it('422 names the matched exclusion and the Condition that matched it', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119'], [SKS, 'DO244']] });
    const before = await counts(base, WRITTEN_TYPES);
    const res = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    expect(res.status, res.text).toBe(422);
    expect(res.body.issue).toHaveLength(2);
    expect(res.body.issue[1].details.text).toBe('exclusion-type-1-or-pregnancy');
    expect(diagnostics(res)).toContain('diabetes in pregnancy (O24) excludes the patient');
    expect(diagnostics(res)).toContain(`Condition/${p.conditions[1]} (DO244)`);
    expect(await counts(base, WRITTEN_TYPES)).toEqual(before);
  });

  it('409 when the patient is already actively enrolled in the programme', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    expect((await apply(base, 'fixture-diabetes', [subject(p.id)])).status).toBe(201);
    const before = await counts(base, WRITTEN_TYPES);
    const again = await apply(base, 'fixture-diabetes', [subject(p.id)]);
    expect(again.status, again.text).toBe(409);
    expectErrorOutcome(again);
    expect(diagnostics(again)).toContain('already enrolled');
    expect(await counts(base, WRITTEN_TYPES)).toEqual(before);
  });

  it('two concurrent enrolments of one patient: exactly one succeeds', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const results = await Promise.all([apply(base, 'fixture-diabetes', [subject(p.id)]), apply(base, 'fixture-diabetes', [subject(p.id)])]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const episodes = await fhirFetch(`${base}/EpisodeOfCare?patient=Patient/${p.id}&_summary=count`);
    expect(episodes.body.total).toBe(1);
  });

  it('404 for an unknown patient or programme', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const noPatient = await apply(base, 'fixture-diabetes', [subject('does-not-exist')]);
    expect(noPatient.status, noPatient.text).toBe(404);
    const noProgramme = await apply(base, 'no-such-programme', [subject(p.id)]);
    expect(noProgramme.status, noProgramme.text).toBe(404);
    const noUrl = await fhirFetch(`${base}/PlanDefinition/$apply?url=${encodeURIComponent(`${F}/PlanDefinition/nothing`)}&subject=Patient/${p.id}`, { method: 'POST' });
    expect(noUrl.status, noUrl.text).toBe(404);
    const noVersion = await fhirFetch(`${base}/PlanDefinition/$apply?url=${encodeURIComponent(`${DIABETES}|9.9.9`)}&subject=Patient/${p.id}`, { method: 'POST' });
    expect(noVersion.status, noVersion.text).toBe(404);
  });

  it('422 for a retired programme', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const res = await apply(base, 'fixture-retired', [subject(p.id)]);
    expect(res.status, res.text).toBe(422);
    expect(diagnostics(res)).toContain('retired');
  });

  it.each([
    ['no subject', [], 'subject'],
    ['a Group subject', [{ name: 'subject', valueString: 'Group/1' }], 'Patient/{id}'],
    ['two subjects', [{ name: 'subject', valueString: 'Patient/a' }, { name: 'subject', valueString: 'Patient/b' }], 'one subject'],
    ['a malformed practitioner', [{ name: 'subject', valueString: 'Patient/a' }, { name: 'practitioner', valueString: 'Organization/x' }], 'practitioner'],
    ['persist not a boolean', [{ name: 'subject', valueString: 'Patient/a' }, { name: 'persist', valueString: 'maybe' }], 'persist'],
    ['a planDefinition by value', [{ name: 'planDefinition', resource: { resourceType: 'PlanDefinition', status: 'active' } }], 'planDefinition'],
  ])('400 for %s', async (_label, parameters, mentioned) => {
    const res = await apply(base, 'fixture-diabetes', parameters);
    expect(res.status, res.text).toBe(400);
    expectErrorOutcome(res);
    expect(diagnostics(res)).toContain(mentioned);
  });

  it('400 for a body that is not Parameters, GET with persist=true, type level without url, unknown organization', async () => {
    const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
    const notParameters = await fhirFetch(`${base}/PlanDefinition/fixture-diabetes/$apply`, { method: 'POST', body: { resourceType: 'Patient' } });
    expect(notParameters.status).toBe(400);
    const getPersist = await fhirFetch(`${base}/PlanDefinition/fixture-diabetes/$apply?subject=Patient/${p.id}&persist=true`);
    expect(getPersist.status).toBe(400);
    const noUrl = await fhirFetch(`${base}/PlanDefinition/$apply?subject=Patient/${p.id}`, { method: 'POST' });
    expect(noUrl.status).toBe(400);
    const unknownOrg = await apply(base, 'fixture-diabetes', [subject(p.id), { name: 'organization', valueString: 'Organization/nowhere' }]);
    expect(unknownOrg.status, unknownOrg.text).toBe(400);
    expect(diagnostics(unknownOrg)).toContain('Organization/nowhere');
  });

  it('$apply is only on PlanDefinition', async () => {
    const res = await fhirFetch(`${base}/ActivityDefinition/x/$apply`, { method: 'POST', body: { resourceType: 'Parameters' } });
    expect(res.status).toBe(404);
  });
});
