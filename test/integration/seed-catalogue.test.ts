import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedResources } from '../../seed/index.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/**
 * The catalogue on first start (src/programmes/seed-loader.ts): a fresh server holds the ten programmes and
 * the reference data, searchable like any resource; a restart over the same data directory writes nothing
 * again; SEED=none starts empty.
 */

const seeded = seedResources();
const count = (type: string) => seeded.filter((r) => r.resourceType === type).length;
const ids = (bundle: any): string[] => (bundle.entry ?? []).filter((e: any) => e.search?.mode !== 'outcome').map((e: any) => e.resource.id);

/** Start a server with the given SEED setting. */
function startWithSeed(seed: string, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ ...env, SEED: seed });
}

describe('the seed catalogue on a fresh server', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-seed-'));
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startWithSeed('catalogue', { DATA_DIR: dataDir });
    base = server.base;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the ten active programmes', async () => {
    const res = await fhirFetch(`${base}/PlanDefinition?status=active&_count=50&_total=accurate`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.total).toBe(10);
    expect(ids(res.body).sort()).toContain('frail-elderly');
  });

  it('finds a programme, its value sets and activities by canonical url', async () => {
    const plan = await fhirFetch(`${base}/PlanDefinition?url=https://forlob.dk/fhir/PlanDefinition/copd`);
    expect(ids(plan.body)).toEqual(['copd']);
    expect(plan.body.entry[0].resource.version).toBe('1.0.0');
    const vs = await fhirFetch(`${base}/ValueSet?url=https://forlob.dk/fhir/ValueSet/diabetes-type-2-exclusion`);
    expect(ids(vs.body)).toEqual(['diabetes-type-2-exclusion']);
    const ad = await fhirFetch(`${base}/ActivityDefinition?url=https://forlob.dk/fhir/ActivityDefinition/clarifying-conversation`);
    expect(ids(ad.body)).toEqual(['clarifying-conversation']);
    const cs = await fhirFetch(`${base}/CodeSystem?url=https://forlob.dk/fhir/CodeSystem/frail-elderly-parameter`);
    expect(ids(cs.body)).toEqual(['frail-elderly-parameter']);
  });

  it('holds every seeded resource, reference data included', async () => {
    for (const type of ['PlanDefinition', 'ActivityDefinition', 'ValueSet', 'Organization', 'Practitioner', 'PractitionerRole']) {
      const res = await fhirFetch(`${base}/${type}?_summary=count`);
      expect(res.body.total, type).toBeGreaterThanOrEqual(count(type));
    }
  });

  it('makes the reference data searchable: municipality code, SOR, ydernummer, departments by partOf', async () => {
    const ishoj = await fhirFetch(`${base}/Organization?name=ishøj kommune`);
    expect(ids(ishoj.body)).toEqual(['municipality-0183']);
    const sor = seeded.find((r) => r.id === 'region-nordjylland') as any;
    const byId = await fhirFetch(`${base}/Organization?identifier=urn:oid:1.2.208.176.1.1|${sor.identifier[0].value}`);
    expect(ids(byId.body)).toEqual(['region-nordjylland']);
    const practice = await fhirFetch(`${base}/Organization?identifier=urn:oid:1.2.208.176.1.4|990012`);
    expect(ids(practice.body)).toEqual(['gp-practice-hjorring']);
    const departments = await fhirFetch(`${base}/Organization?partof=Organization/hospital-rigshospitalet&_count=50`);
    expect(ids(departments.body).length).toBe(3);
    const roles = await fhirFetch(`${base}/PractitionerRole?organization=Organization/gp-practice-aarhus&_count=50`);
    expect(ids(roles.body).sort()).toEqual(['role-gp-aarhus-1', 'role-gp-aarhus-2', 'role-nurse-aarhus']);
  });

  it('does not load the catalogue again on restart', async () => {
    const before = await fhirFetch(`${base}/_history?_count=1`);
    await server.close();
    server = await startWithSeed('catalogue', { DATA_DIR: dataDir });
    base = server.base;
    const after = await fhirFetch(`${base}/_history?_count=1`);
    expect(after.body.total).toBe(before.body.total);
    const plans = await fhirFetch(`${base}/PlanDefinition?_count=50&_total=accurate`);
    expect(plans.body.total).toBe(10);
    const history = await fhirFetch(`${base}/PlanDefinition/diabetes-type-2/_history`);
    expect(history.body.total).toBe(1);
  });
});

describe('SEED=none', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWithSeed('none');
  });
  afterAll(() => server?.close());

  it('starts with no programmes', async () => {
    const res = await fhirFetch(`${server.base}/PlanDefinition?_total=accurate`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
  });
});
