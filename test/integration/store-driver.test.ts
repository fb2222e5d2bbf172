import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import type { Store } from '../../src/store/types.js';
import { openTempStore, searchIds, type TempStore } from '../support/store.js';

/**
 * Date conditions as bounded range scans on `lo` (date_stats: longest span, open ends, rows per
 * resource) and the choice of a driving condition must not change any result.
 */

let store: Store;
let temp: TempStore;

const resources: Resource[] = [
  { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/a' }, period: { start: '2020-01-01', end: '2020-12-31' } },
  { resourceType: 'Encounter', id: 'e2', status: 'in-progress', class: { code: 'AMB' }, subject: { reference: 'Patient/a' }, period: { start: '2019-06-01' } },
  { resourceType: 'Encounter', id: 'e3', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/b' }, period: { end: '2018-01-01' } },
  { resourceType: 'Encounter', id: 'e4', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/b' }, period: { start: '2023-03-15', end: '2023-03-15' } },
  {
    resourceType: 'Goal',
    id: 'g1',
    lifecycleStatus: 'active',
    description: { text: 'x' },
    subject: { reference: 'Patient/a' },
    target: [{ dueDate: '2020-01-01' }, { dueDate: '2024-01-01' }],
  },
  { resourceType: 'Goal', id: 'g2', lifecycleStatus: 'active', description: { text: 'y' }, subject: { reference: 'Patient/b' }, target: [{ dueDate: '2022-06-01' }] },
] as Resource[];

beforeAll(async () => {
  temp = await openTempStore('driver', resources);
  store = temp.store;
});

afterAll(async () => {
  await temp?.close();
});

const ids = (type: string, q: string): Promise<string[]> => searchIds(store, type, q);

describe('date conditions as range scans', () => {
  it('long and open-ended periods, every prefix', async () => {
    expect(await ids('Encounter', 'date=ge2020-06-01')).toEqual(['e1', 'e2', 'e4']);
    expect(await ids('Encounter', 'date=gt2020-12-30')).toEqual(['e1', 'e2', 'e4']);
    expect(await ids('Encounter', 'date=ge2020-06-01&date=lt2020-07-01')).toEqual(['e1', 'e2']);
    expect(await ids('Encounter', 'date=sa2019-01-01')).toEqual(['e1', 'e2', 'e4']);
    expect(await ids('Encounter', 'date=eb2019-01-01')).toEqual(['e3']);
    expect(await ids('Encounter', 'date=ap2020-06-15')).toEqual(['e1', 'e2']);
    expect(await ids('Encounter', 'date=eq2020')).toEqual(['e1']);
    expect(await ids('Encounter', 'date=le2018-06-01')).toEqual(['e3']);
    expect(await ids('Encounter', 'date=ne2020')).toEqual(['e2', 'e3', 'e4']);
    expect(await ids('Encounter', 'date=lt2018-06-01,gt2023-01-01')).toEqual(['e2', 'e3', 'e4']);
    expect(await ids('Encounter', 'date=ge2020-06-01&subject=Patient/b')).toEqual(['e4']);
    expect(await ids('Encounter', 'date=ge2020-06-01&date=lt2020-07-01&subject=Patient/a&status=in-progress')).toEqual(['e2']);
  });

  it('a multi-valued parameter: repeated conditions may hold on different values', async () => {
    expect(await ids('Goal', 'target-date=lt2021-01-01&target-date=gt2023-01-01')).toEqual(['g1']);
    expect(await ids('Goal', 'target-date=ge2022-01-01&target-date=le2022-12-31')).toEqual(['g1', 'g2']);
    expect(await ids('Goal', 'target-date=eq2022-06-01')).toEqual(['g2']);
  });

  it('statistics widen with later writes', async () => {
    // A longer period than any before: a later search must still find it by its end.
    const e5 = { resourceType: 'Encounter', id: 'e5', status: 'finished', class: { code: 'AMB' }, period: { start: '1990-01-01', end: '2030-01-01' } } as Resource;
    await store.transaction(async (tx) => {
      await tx.write({ type: 'Encounter', id: 'e5', versionId: 1, lastUpdated: '2024-01-02T00:00:00.000Z', method: 'PUT', json: JSON.stringify(e5), index: extractIndex(e5) });
    });
    expect(await ids('Encounter', 'date=gt2029-06-01')).toEqual(['e2', 'e5']);
    expect(await ids('Encounter', 'date=ap2029-06-01')).toEqual(['e2', 'e5']);
  });
});
