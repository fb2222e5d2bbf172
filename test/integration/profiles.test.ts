import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { reindexing } from '../../src/fhir/search-parameters.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createResource } from './rest-helpers.js';

/*
 * fhir-profiles/ over HTTP: the server starts with it loaded, every resource can be read and found by
 * url, the profiles are enforced when a resource names them, and the search parameters find what they
 * should.
 */

const F = 'https://forlob.dk/fhir';
const SD = `${F}/StructureDefinition/`;
const CS = `${F}/CodeSystem/`;
const CPR = 'urn:oid:1.2.208.176.1.2';
const ROLE = `${CS}careteam-role`;

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

function content(): (Resource & { url: string })[] {
  const dir = loadConfig({}).profilesDir;
  const out: (Resource & { url: string })[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const json = JSON.parse(fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')) as Resource;
    if (json.resourceType === 'Bundle') out.push(...((json as Bundle).entry ?? []).map((e) => e.resource as Resource & { url: string }));
    else out.push(json as Resource & { url: string });
  }
  return out;
}

/** The ids a search returns (fails the test unless it is a 200 searchset). */
async function ids(query: string): Promise<string[]> {
  const res = await fhirFetch(`${base}/${query}`);
  expect(res.status, res.text).toBe(200);
  return (res.body.entry ?? []).filter((e: { search?: { mode?: string } }) => e.search?.mode !== 'outcome').map((e: { resource: Resource }) => e.resource.id);
}

const errorExpressions = (body: { issue: { severity: string; expression?: string[] }[] }) =>
  body.issue.filter((i) => i.severity === 'error').flatMap((i) => i.expression ?? []);

describe('conformance content loaded at start', () => {
  it('every resource of fhir-profiles/ is readable by id and found by url', async () => {
    const resources = content();
    expect(resources.length).toBeGreaterThanOrEqual(35);
    for (const r of resources) {
      const read = await fhirFetch(`${base}/${r.resourceType}/${r.id}`);
      expect(read.status, `${r.resourceType}/${r.id}`).toBe(200);
      expect(read.body.url).toBe(r.url);
      expect(await ids(`${r.resourceType}?url=${encodeURIComponent(r.url)}`), r.url).toEqual([r.id]);
    }
  });

  it('serves the profiles with their snapshots, and lists the search parameters in /metadata', async () => {
    const sd = await fhirFetch(`${base}/StructureDefinition/forlob-careplan`);
    expect(sd.body.snapshot.element.length).toBeGreaterThan(70);
    const cs = (await fhirFetch(`${base}/metadata`)).body;
    const params = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type).searchParam.map((p: { name: string }) => p.name);
    expect(params('CarePlan')).toEqual(expect.arrayContaining(['episode-of-care', 'stratum']));
    expect(params('Task')).toContain('episode-of-care');
    expect(params('ServiceRequest')).toContain('episode-of-care');
    expect(params('EpisodeOfCare')).toContain('programme');
    expect(params('CareTeam')).toEqual(expect.arrayContaining(['participant-role', 'role-member']));
  });
});

describe('profiles named in meta.profile are enforced', () => {
  const carePlan = (extra: Record<string, unknown> = {}) => ({
    resourceType: 'CarePlan',
    meta: { profile: [`${SD}forlob-careplan`] },
    status: 'active',
    intent: 'plan',
    instantiatesCanonical: [`${F}/PlanDefinition/copd|1.0.0`],
    subject: { reference: 'Patient/p1' },
    period: { start: '2025-03-01' },
    careTeam: [{ reference: 'CareTeam/t1' }],
    extension: [
      { url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: 'EpisodeOfCare/e1' } },
      { url: `${SD}careplan-status-history`, extension: [{ url: 'status', valueCode: 'active' }, { url: 'period', valuePeriod: { start: '2025-03-01' } }] },
    ],
    ...extra,
  });
  const patient = (cpr: string) => ({
    resourceType: 'Patient',
    meta: { profile: [`${SD}forlob-patient`] },
    identifier: [{ system: CPR, value: cpr }],
    name: [{ family: 'Jensen', given: ['Karen'] }],
  });

  it('accepts a valid care plan (201)', async () => {
    const res = await fhirFetch(`${base}/CarePlan`, { method: 'POST', body: carePlan() });
    expect(res.status, res.text).toBe(201);
  });

  it('refuses a care plan without instantiatesCanonical (422 naming the element)', async () => {
    const res = await fhirFetch(`${base}/CarePlan`, { method: 'POST', body: carePlan({ instantiatesCanonical: undefined }) });
    expect(res.status, res.text).toBe(422);
    expect(errorExpressions(res.body)).toContain('CarePlan.instantiatesCanonical');
  });

  it('refuses a care plan whose programme canonical has no version (422, forlob-cp-1)', async () => {
    const res = await fhirFetch(`${base}/CarePlan`, { method: 'POST', body: carePlan({ instantiatesCanonical: [`${F}/PlanDefinition/copd`] }) });
    expect(res.status, res.text).toBe(422);
    expect(JSON.stringify(res.body)).toContain('forlob-cp-1');
  });

  it('refuses a CPR number whose date does not exist (31 February) and accepts a correct one', async () => {
    const bad = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient('3102851234') });
    expect(bad.status, bad.text).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('forlob-cpr-1');
    const good = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient('2802851234') });
    expect(good.status, good.text).toBe(201);
  });

  it('refuses care team roles outside careteam-role, and participants without a role', async () => {
    const team = (participant: unknown) => ({
      resourceType: 'CareTeam',
      meta: { profile: [`${SD}forlob-careteam`] },
      subject: { reference: 'Patient/p1' },
      participant: [participant],
    });
    const member = { reference: 'Practitioner/x' };
    const period = { start: '2025-03-01' };
    const unknownRole = await fhirFetch(`${base}/CareTeam`, {
      method: 'POST',
      body: team({ role: [{ coding: [{ system: ROLE, code: 'boss' }] }], member, period }),
    });
    expect(unknownRole.status, unknownRole.text).toBe(422);
    expect(errorExpressions(unknownRole.body)).toContain('CareTeam.participant[0].role[0]');
    const noRole = await fhirFetch(`${base}/CareTeam`, { method: 'POST', body: team({ member, period }) });
    expect(noRole.status, noRole.text).toBe(422);
    expect(errorExpressions(noRole.body)).toContain('CareTeam.participant[0].role');
  });
});

describe('search parameters of the programme model', () => {
  const eocExt = (id: string) => ({ url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: `EpisodeOfCare/${id}` } });
  let gp: string;
  let nurse: string;
  let team: string;
  let episode: string;
  let plan: string;

  beforeAll(async () => {
    gp = (await createResource(base, { resourceType: 'Practitioner', name: [{ family: 'Lund' }] })).id;
    nurse = (await createResource(base, { resourceType: 'Practitioner', name: [{ family: 'Holm' }] })).id;
    const municipality = (await createResource(base, { resourceType: 'Organization', name: 'Ishøj Kommune' })).id;
    const patient = (await createResource(base, { resourceType: 'Patient', identifier: [{ system: CPR, value: '0101601234' }] })).id;
    const role = (code: string) => [{ coding: [{ system: ROLE, code }] }];
    team = (
      await createResource(base, {
        resourceType: 'CareTeam',
        meta: { profile: [`${SD}forlob-careteam`] },
        status: 'active',
        subject: { reference: `Patient/${patient}` },
        participant: [
          { role: role('tovholder'), member: { reference: `Practitioner/${gp}` }, period: { start: '2025-03-01' } },
          { role: role('municipality'), member: { reference: `Organization/${municipality}` }, period: { start: '2025-03-01' } },
          { role: role('care-coordinator'), member: { reference: `Practitioner/${nurse}` }, period: { start: '2025-03-01' } },
        ],
      })
    ).id;
    episode = (
      await createResource(base, {
        resourceType: 'EpisodeOfCare',
        meta: { profile: [`${SD}forlob-episodeofcare`] },
        extension: [{ url: 'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-enrolledIn', valueCanonical: `${F}/PlanDefinition/copd|1.0.0` }],
        status: 'active',
        diagnosis: [{ condition: { reference: 'Condition/c1' } }],
        patient: { reference: `Patient/${patient}` },
        managingOrganization: { reference: `Organization/${municipality}` },
        period: { start: '2025-03-01' },
        team: [{ reference: `CareTeam/${team}` }],
      })
    ).id;
    plan = (
      await createResource(base, {
        resourceType: 'CarePlan',
        meta: { profile: [`${SD}forlob-careplan`] },
        extension: [
          eocExt(episode),
          { url: `${SD}careplan-status-history`, extension: [{ url: 'status', valueCode: 'active' }, { url: 'period', valuePeriod: { start: '2025-03-01' } }] },
          { url: `${SD}careplan-stratum`, valueCodeableConcept: { coding: [{ system: `${CS}stratum`, code: '3' }] } },
        ],
        instantiatesCanonical: [`${F}/PlanDefinition/diabetes-type-2|1.0.0`],
        status: 'active',
        intent: 'plan',
        subject: { reference: `Patient/${patient}` },
        period: { start: '2025-03-01' },
        careTeam: [{ reference: `CareTeam/${team}` }],
      })
    ).id;
    await createResource(base, { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${patient}` } });
    await Promise.all(reindexing.values());
  });

  it('participant-role finds care teams by a participant role', async () => {
    expect(await ids(`CareTeam?participant-role=${encodeURIComponent(`${ROLE}|tovholder`)}`)).toEqual([team]);
    expect(await ids('CareTeam?participant-role=care-coordinator')).toEqual([team]);
    expect(await ids(`CareTeam?participant-role=${encodeURIComponent(`${ROLE}|relative`)}`)).toEqual([]);
  });

  it('role-member needs the role and the member on the same participant', async () => {
    const q = (role: string, member: string) => `CareTeam?role-member=${encodeURIComponent(`${ROLE}|${role}$${member}`)}`;
    expect(await ids(q('tovholder', `Practitioner/${gp}`))).toEqual([team]);
    expect(await ids(q('care-coordinator', `Practitioner/${nurse}`))).toEqual([team]);
    expect(await ids(q('tovholder', `Practitioner/${nurse}`))).toEqual([]);
    expect(await ids(q('care-coordinator', `Practitioner/${gp}`))).toEqual([]);
  });

  it('episode-of-care finds care plans, tasks and service requests of an enrolment', async () => {
    const task = (
      await createResource(base, {
        resourceType: 'Task',
        extension: [eocExt(episode)],
        status: 'requested',
        intent: 'order',
        basedOn: [{ reference: `CarePlan/${plan}` }],
      })
    ).id;
    const request = (
      await createResource(base, {
        resourceType: 'ServiceRequest',
        extension: [eocExt(episode)],
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
      })
    ).id;
    expect(await ids(`CarePlan?episode-of-care=EpisodeOfCare/${episode}`)).toEqual([plan]);
    expect(await ids(`Task?episode-of-care=EpisodeOfCare/${episode}`)).toEqual([task]);
    expect(await ids(`ServiceRequest?episode-of-care=${episode}`)).toEqual([request]);
    expect(await ids('CarePlan?episode-of-care=EpisodeOfCare/other')).toEqual([]);
  });

  it('stratum finds care plans by their current stratum', async () => {
    expect(await ids(`CarePlan?stratum=${encodeURIComponent(`${CS}stratum|3`)}`)).toEqual([plan]);
    expect(await ids(`CarePlan?stratum=${encodeURIComponent(`${CS}stratum|1`)}`)).toEqual([]);
  });

  it('programme finds enrolments by programme, with or without the version', async () => {
    expect(await ids(`EpisodeOfCare?programme=${encodeURIComponent(`${F}/PlanDefinition/copd`)}`)).toEqual([episode]);
    expect(await ids(`EpisodeOfCare?programme=${encodeURIComponent(`${F}/PlanDefinition/copd|1.0.0`)}`)).toEqual([episode]);
    expect(await ids(`EpisodeOfCare?programme=${encodeURIComponent(`${F}/PlanDefinition/dementia`)}`)).toEqual([]);
  });

  it('R4 parameters cover the rest: plans by programme and by care-team member', async () => {
    expect(await ids(`CarePlan?instantiates-canonical=${encodeURIComponent(`${F}/PlanDefinition/diabetes-type-2`)}`)).toEqual([plan]);
    expect(await ids(`CarePlan?care-team.participant=Practitioner/${gp}`)).toEqual([plan]);
  });
});
