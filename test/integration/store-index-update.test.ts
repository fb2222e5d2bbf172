import type { Resource } from '@medplum/fhirtypes';
import DatabaseConstructor from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import type { Store } from '../../src/store/types.js';
import { openTempStore, searchIds, type TempStore } from '../support/store.js';

/*
 * An update writes only the index rows that changed (store/sqlite/index-rows.ts). Whatever it keeps, adds or
 * removes, the rows must end up exactly those a fresh write of the new version would have, and searches must
 * follow the new version: the same value twice, a value moved, a parameter gone, a delete.
 */

let store: Store;
let temp: TempStore;
let dataDir: string;

const patient = (over: Record<string, unknown>): Resource => ({ resourceType: 'Patient', id: 'p1', ...over }) as Resource;

beforeAll(async () => {
  temp = await openTempStore('index-update', [
    patient({ name: [{ family: 'Holm' }, { family: 'Holm' }], gender: 'female', birthDate: '1950-01-01', identifier: [{ system: 'urn:a', value: '1' }] }),
    { resourceType: 'Patient', id: 'fresh' } as Resource,
  ]);
  store = temp.store;
  dataDir = (store as unknown as { file: string }).file;
});
afterAll(async () => {
  await temp?.close();
});

let version = 1;
async function update(resource: Resource | undefined, id = 'p1'): Promise<void> {
  version++;
  await store.transaction((tx) =>
    tx.write({ type: 'Patient', id, versionId: version, lastUpdated: `2024-01-0${Math.min(version, 9)}T00:00:00.000Z`, method: resource ? 'PUT' : 'DELETE', ...(resource && { json: JSON.stringify(resource), index: extractIndex(resource) }) }),
  );
}

/** Every index row of a resource, as sorted text without rowids: comparable across two resources. */
function rowsOf(id: string): string[] {
  const db = new DatabaseConstructor(path.resolve(dataDir), { readonly: true });
  try {
    const rid = (db.prepare("SELECT rid FROM resources WHERE type = 'Patient' AND id = ?").get(id) as { rid: number }).rid;
    const out: string[] = [];
    for (const t of ['token', 'string', 'date', 'number', 'quantity', 'reference', 'uri', 'composite']) {
      for (const row of db.prepare(`SELECT * FROM idx_${t} WHERE rid = ?`).all(rid) as Record<string, unknown>[]) {
        const { rid: _r, ...rest } = row;
        out.push(`${t}:${JSON.stringify(rest)}`);
      }
    }
    return out.sort();
  } finally {
    db.close();
  }
}

describe('index rows on update', () => {
  it('end up as a fresh write would have them, and searches follow', async () => {
    const next = patient({ name: [{ family: 'Holm' }, { family: 'Berg' }], gender: 'male', birthDate: '1950-01-01' });
    await update(next);
    // The same content written fresh under another id has exactly these rows.
    await store.transaction((tx) => tx.write({ type: 'Patient', id: 'fresh', versionId: 2, lastUpdated: '2024-01-02T00:00:00.000Z', method: 'PUT', json: JSON.stringify({ ...next, id: 'fresh' }), index: extractIndex({ ...next, id: 'fresh' } as Resource) }));
    expect(rowsOf('p1')).toEqual(rowsOf('fresh'));
    expect(await searchIds(store, 'Patient', 'family=berg')).toEqual(expect.arrayContaining(['p1', 'fresh']));
    expect(await searchIds(store, 'Patient', 'gender=female')).toEqual([]);
    expect(await searchIds(store, 'Patient', 'identifier=urn:a|1')).toEqual([]);
    expect(await searchIds(store, 'Patient', 'family=holm')).toEqual(expect.arrayContaining(['p1']));
  });

  it('a delete leaves no rows; a later version gets its rows back', async () => {
    await update(undefined);
    expect(rowsOf('p1')).toEqual([]);
    await update(patient({ gender: 'other' }));
    expect(await searchIds(store, 'Patient', 'gender=other')).toEqual(['p1']);
    expect(rowsOf('p1').filter((r) => r.startsWith('string:'))).toEqual([]);
  });
});
