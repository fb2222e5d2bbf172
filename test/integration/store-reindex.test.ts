import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Patient, Resource, SearchParameter } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import { registerSearchParameter } from '../../src/search/params.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import type { Store } from '../../src/store/types.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { openStoreIn } from '../support/store.js';

/**
 * Custom SearchParameters: registered with registerSearchParameter (params.ts), then existing resources are
 * reindexed with Store.reindex (as the server does when a SearchParameter resource is written).
 */

const MAIDEN = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';
const MUNICIPALITIES = ['Aabenraa', 'København', 'Århus', 'Odense'];

let dataDir: string;
let store: Store;
const versions = new Map<string, number>();

async function put(r: Resource): Promise<void> {
  const versionId = (versions.get(r.id!) ?? 0) + 1;
  const lastUpdated = new Date(Date.UTC(2024, 0, 1) + versionId).toISOString();
  const json = { ...r, meta: { versionId: String(versionId), lastUpdated } } as Resource;
  await store.transaction((tx) =>
    tx.write({ type: r.resourceType, id: r.id!, versionId, lastUpdated, method: versionId === 1 ? 'POST' : 'PUT', json: JSON.stringify(json), index: extractIndex(json) }),
  );
  versions.set(r.id!, versionId);
}

function patient(i: number): Patient {
  return {
    resourceType: 'Patient',
    id: `p${i}`,
    name: [{ family: `F${i}` }],
    address: [{ city: 'X', district: MUNICIPALITIES[i % MUNICIPALITIES.length] }],
    ...(i % 10 === 0 ? { extension: [{ url: MAIDEN, valueString: `Ørsted${i}` }] } : {}),
  };
}

async function ids(q: string): Promise<{ ids: string[]; unknown: string[] }> {
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q)) (query[k] ??= []).push(v);
  const { plan, unknown } = buildSearchPlan(['Patient'], query, { defaultCount: 1000, maxCount: 1000 });
  return { ids: (await store.search(plan)).versions.map((v) => v.id).sort(), unknown };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-reindex-'));
  store = await openStoreIn(dataDir);
  const batch: Resource[] = [];
  for (let i = 0; i < 1000; i++) batch.push(patient(i));
  await store.transaction(async (tx) => {
    for (const r of batch) {
      await tx.write({ type: 'Patient', id: r.id!, versionId: 1, lastUpdated: '2024-01-01T00:00:00.000Z', method: 'POST', json: JSON.stringify(r), index: extractIndex(r) });
      versions.set(r.id!, 1);
    }
  });
  await put({ resourceType: 'Practitioner', id: 'gp1', address: [{ district: 'Odense' }] } as Resource);
  // Deleted patients are not reindexed.
  for (const id of ['p3', 'p7']) {
    await store.transaction((tx) => tx.write({ type: 'Patient', id, versionId: 2, lastUpdated: '2024-02-01T00:00:00.000Z', method: 'DELETE' }));
    versions.set(id, 2);
  }
});

afterAll(async () => {
  await store?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

const municipality: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://forlob.dk/fhir/SearchParameter/patient-municipality',
  name: 'municipality',
  status: 'active',
  description: 'Kommune (Address.district)',
  code: 'municipality',
  base: ['Patient'],
  type: 'string',
  expression: 'Patient.address.district',
};

const maiden: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://forlob.dk/fhir/SearchParameter/patient-mothers-maiden-name',
  name: 'mothers-maiden-name',
  status: 'active',
  description: "Mother's maiden name",
  code: 'mothers-maiden-name',
  base: ['Patient'],
  type: 'string',
  expression: `Patient.extension.where(url='${MAIDEN}').value`,
};

describe('reindex for custom SearchParameters', () => {
  it('new parameters are unknown before, accepted after registration, and match after reindex', async () => {
    expect((await ids('municipality=odense')).unknown).toEqual(['municipality']);
    registerSearchParameter(municipality);
    registerSearchParameter(maiden);
    // Known now, but existing resources have no index rows yet.
    const before = await ids('municipality=odense');
    expect(before.unknown).toEqual([]);
    expect(before.ids).toEqual([]);

    // Writes during the reindex are indexed by their own write (with the new parameter) and are
    // not held up until the reindex ends.
    let writeDone = false;
    let reindexDone = false;
    const job = store.reindex('Patient', (json) => extractIndex(JSON.parse(json) as Resource), 50).then((n) => {
      reindexDone = true;
      return n;
    });
    await put({ ...patient(1), address: [{ district: 'Vejle' }] });
    writeDone = true;
    expect(reindexDone).toBe(false);
    const n = await job;
    expect(writeDone).toBe(true);
    expect(n).toBe(998);

    const odense = await ids('municipality=odense');
    expect(odense.ids.length).toBe(250 - 2); // p3 and p7 (Odense, i % 4 = 3) are deleted
    expect(odense.ids).not.toContain('p7');
    expect((await ids('municipality=aabenra')).ids.length).toBe(250); // Danish folding applies
    expect((await ids('municipality=vejle')).ids).toEqual(['p1']);
    expect((await ids('municipality=kobenhavn')).ids).not.toContain('p1');
    expect((await ids('mothers-maiden-name=orsted10')).ids).toEqual(['p10', 'p100']);
    expect((await ids('mothers-maiden-name:exact=Ørsted990')).ids).toEqual(['p990']);
    expect((await ids('mothers-maiden-name:missing=false')).ids.length).toBe(100);
    // Built-in parameters are intact after the reindex.
    expect((await ids('family:exact=F42')).ids).toEqual(['p42']);
    // Other types are not touched.
    const { plan } = buildSearchPlan(['Practitioner'], { 'address-city': ['x'] }, { defaultCount: 10, maxCount: 10 });
    expect((await store.search(plan)).versions).toEqual([]);
  });

  it('a changed expression takes effect on the next reindex', async () => {
    registerSearchParameter({ ...municipality, expression: 'Patient.address.city' });
    expect((await ids('municipality=x')).ids).toEqual([]);
    const n = await store.reindex('Patient', (json) => extractIndex(JSON.parse(json) as Resource));
    expect(n).toBe(998);
    expect((await ids('municipality=x')).ids.length).toBe(997); // p1 was rewritten without a city
    expect((await ids('municipality=odense')).ids).toEqual([]);
  });
});
