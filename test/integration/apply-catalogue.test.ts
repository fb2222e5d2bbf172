import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createWorld, readRef, type World } from '../fixtures/programmes/http.js';

/*
 * $apply over the seeded catalogue (seed/, loaded on first start): for every programme, real codes from its
 * own inclusion and exclusion value sets in every code system they use. Codes are read from the stored
 * ValueSets, so the test follows the catalogue; it insists the catalogue is there (ten programmes or more).
 */

let srv: TestServer;
let base: string;
let programmes: any[];
let world: World;
const valueSets = new Map<string, any>();

beforeAll(async () => {
  srv = await startTestServer({ SEED: 'catalogue' });
  base = srv.base;
  world = await createWorld(base);
  programmes = (await fhirFetch(`${base}/PlanDefinition?status=active&_count=100`)).body.entry?.map((e: any) => e.resource) ?? [];
  for (const e of (await fhirFetch(`${base}/ValueSet?_count=1000`)).body.entry ?? []) valueSets.set(e.resource.url, e.resource);
});
afterAll(async () => {
  await srv?.close();
});

const enrolmentOf = (plan: any) => plan.action.find((a: any) => a.id === 'enrolment') ?? plan.action[0];
const inputOf = (plan: any) => enrolmentOf(plan).input?.[0];
const exclusionUrl = (plan: any) =>
  enrolmentOf(plan)
    .condition?.map((c: any) => c.expression)
    .find((x: any) => x.name?.startsWith('exclusion'))
    ?.expression.match(/memberOf\('([^']+)'\)/)?.[1];

/** From a value set: per system, the first and last code (an is-a value, or a listed concept). */
function sampleCodes(url: string): [string, string][] {
  const vs = valueSets.get(url);
  expect(vs, url).toBeDefined();
  const bySystem = new Map<string, string[]>();
  for (const inc of vs.compose.include) {
    const codes = [...(inc.filter ?? []).map((f: any) => f.value), ...(inc.concept ?? []).map((c: any) => c.code)];
    bySystem.set(inc.system, [...(bySystem.get(inc.system) ?? []), ...codes]);
  }
  return [...bySystem].flatMap(([system, codes]) => [...new Set([codes[0], codes[codes.length - 1]])].map((c): [string, string] => [system, c]));
}

/** A patient (born 1945, with a GP) with one active Condition per code and one true Observation per parameter code, in one transaction. */
async function patientWith(conditions: [string, string][], parameters: [string, string][] = []): Promise<string> {
  const entries = [
    { fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001', resource: {
        resourceType: 'Patient',
        birthDate: '1945-06-01',
        name: [{ family: 'Catalogue' }],
        generalPractitioner: [{ reference: `Practitioner/${world.gp}` }, { reference: `Organization/${world.practice}` }],
        managingOrganization: { reference: `Organization/${world.practice}` },
      }, request: { method: 'POST', url: 'Patient' } },
    ...conditions.map(([system, code]) => ({
      resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' }, code: { coding: [{ system, code }] } },
      request: { method: 'POST', url: 'Condition' },
    })),
    ...parameters.map(([system, code]) => ({
      resource: { resourceType: 'Observation', status: 'final', subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' }, code: { coding: [{ system, code }] }, valueBoolean: true, note: [{ text: 'test' }] },
      request: { method: 'POST', url: 'Observation' },
    })),
  ];
  const res = await fhirFetch(base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries } });
  expect(res.status, res.text).toBe(200);
  return res.body.entry[0].response.location.split('/')[5];
}

const preview = (plan: any, patientId: string) => fhirFetch(`${base}/PlanDefinition/${plan.id}/$apply?subject=Patient/${patientId}`);

describe('the seeded catalogue', () => {
  it('has the ten programmes under the canonical base', () => {
    expect(programmes.length).toBeGreaterThanOrEqual(10);
    for (const p of programmes) expect(p.url).toBe(`https://forlob.dk/fhir/PlanDefinition/${p.id}`);
  });

  it('enrols on every sampled inclusion code of every diagnosis-based programme, in every code system', async () => {
    for (const plan of programmes.filter((p) => inputOf(p)?.type === 'Condition')) {
      const codes = sampleCodes(inputOf(plan).codeFilter[0].valueSet);
      expect(new Set(codes.map(([s]) => s)).size, plan.id).toBeGreaterThanOrEqual(2);
      for (const code of codes) {
        const res = await preview(plan, await patientWith([code]));
        expect(res.status, `${plan.id} ${code.join(' ')}: ${res.text}`).toBe(200);
      }
      const none = await preview(plan, await patientWith([['http://hl7.org/fhir/sid/icd-10', 'Z00.0']]));
      expect(none.status, `${plan.id} without a diagnosis`).toBe(422);
    }
  });

  it('refuses every sampled exclusion code with 422 naming the exclusion', async () => {
    const withExclusion = programmes.filter((p) => exclusionUrl(p));
    expect(withExclusion.length).toBeGreaterThan(0);
    for (const plan of withExclusion) {
      const include = sampleCodes(inputOf(plan).codeFilter[0].valueSet)[0];
      for (const code of sampleCodes(exclusionUrl(plan))) {
        const res = await preview(plan, await patientWith([include, code]));
        expect(res.status, `${plan.id} ${code.join(' ')}: ${res.text}`).toBe(422);
        expect(res.body.issue.some((i: any) => i.details?.text?.startsWith('exclusion')), res.text).toBe(true);
      }
    }
  });

  it('enrols a not diagnosis-based programme on its parameters, and refuses without them', async () => {
    for (const plan of programmes.filter((p) => inputOf(p)?.type === 'Observation')) {
      const parameters = sampleCodes(inputOf(plan).codeFilter[0].valueSet);
      const vs = valueSets.get(inputOf(plan).codeFilter[0].valueSet);
      const all: [string, string][] = vs.compose.include.flatMap((i: any) => (i.concept ?? []).map((c: any) => [i.system, c.code]));
      expect((await preview(plan, await patientWith([], all))).status, plan.id).toBe(200);
      expect((await preview(plan, await patientWith([]))).status, plan.id).toBe(422);
      expect(parameters.length).toBeGreaterThan(0);
    }
  });

  it('persists an enrolment in every programme; what it writes validates against the programme profiles', async () => {
    for (const plan of programmes) {
      const input = inputOf(plan);
      const codes = sampleCodes(input.codeFilter[0].valueSet);
      const all: [string, string][] = valueSets.get(input.codeFilter[0].valueSet).compose.include.flatMap((i: any) => (i.concept ?? []).map((c: any) => [i.system, c.code]));
      const patient = input.type === 'Condition' ? await patientWith([codes[0]]) : await patientWith([['http://hl7.org/fhir/sid/icd-10', 'I50.9']], all);
      const res = await fhirFetch(`${base}/PlanDefinition/${plan.id}/$apply`, {
        method: 'POST',
        body: { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: `Patient/${patient}` }] },
      });
      expect(res.status, `${plan.id}: ${res.text}`).toBe(201);
      expect(res.body.instantiatesCanonical).toEqual([`${plan.url}|${plan.version}`]);
      const validated = await fhirFetch(`${base}/CarePlan/$validate`, { method: 'POST', body: res.body });
      expect(validated.body.issue.filter((i: any) => i.severity === 'error'), `${plan.id}: ${validated.text}`).toEqual([]);
      // The profile is known to the server, so the CarePlan was checked against it.
      expect(validated.text).not.toContain('is not known to this server');
      for (const ref of [res.body.careTeam[0].reference, ...(res.body.supportingInfo ?? []).map((s: any) => s.reference)]) await readRef(base, ref);
    }
  });
});
