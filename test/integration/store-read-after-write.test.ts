import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { extractIndex } from '../../src/search/extract.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store, StoreWriter } from '../../src/store/types.js';
import { openTempStore, type TempStore } from '../support/store.js';

/*
 * Reads by id see every committed write and nothing uncommitted, however often the resource was read
 * before. The embedded store answers repeated reads from memory (current-version-cache.ts); these are
 * the cases where such a copy could go stale.
 */

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function put(tx: StoreWriter, id: string, versionId: number, family: string): Promise<void> {
  const patient: Patient = { resourceType: 'Patient', id, name: [{ family }] };
  return tx.write({
    type: 'Patient',
    id,
    versionId,
    lastUpdated: new Date().toISOString(),
    method: 'PUT',
    json: JSON.stringify(patient),
    index: extractIndex(patient),
  });
}

const family = async (store: Store, id: string) => {
  const v = await store.readCurrent('Patient', id);
  return v?.deleted ? 'deleted' : (JSON.parse(v!.json!) as Patient).name![0].family;
};

async function readOften(store: Store, id: string, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await store.readCurrent('Patient', id);
}

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('read-after-write', []);
});
afterAll(async () => {
  await temp?.close();
});

describe('reads by id after writes', () => {
  it('an update read many times before is read as the new version once committed', async () => {
    await temp.store.transaction((tx) => put(tx, 'raw-1', 1, 'Hansen'));
    await readOften(temp.store, 'raw-1');
    await temp.store.transaction((tx) => put(tx, 'raw-1', 2, 'Holm'));
    const v = await temp.store.readCurrent('Patient', 'raw-1');
    expect(v?.versionId).toBe(2);
    expect(await family(temp.store, 'raw-1')).toBe('Holm');
    expect((await temp.store.readMany([{ type: 'Patient', id: 'raw-1' }])).map((x) => x.versionId)).toEqual([2]);
  });

  it('while a transaction that wrote is still open, reads give the committed version; after it, the new one', async () => {
    await temp.store.transaction((tx) => put(tx, 'raw-2', 1, 'Berg'));
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    const writing = temp.store.transaction(async (tx) => {
      await put(tx, 'raw-2', 2, 'Dal');
      await open;
    });
    await pause(30);
    // Read (and on SQLite remembered) while version 2 is written but not committed.
    await readOften(temp.store, 'raw-2');
    expect(await family(temp.store, 'raw-2')).toBe('Berg');
    release();
    await writing;
    expect(await family(temp.store, 'raw-2')).toBe('Dal');
  });

  it('a transaction that fails after writing leaves the committed version readable', async () => {
    await temp.store.transaction((tx) => put(tx, 'raw-3', 1, 'Lund'));
    await readOften(temp.store, 'raw-3');
    await expect(
      temp.store.transaction(async (tx) => {
        await put(tx, 'raw-3', 2, 'Mose');
        await readOften(temp.store, 'raw-3');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await temp.store.readCurrent('Patient', 'raw-3'))?.versionId).toBe(1);
    expect(await family(temp.store, 'raw-3')).toBe('Lund');
  });

  it('a delete read many times before is read as deleted, and readMany leaves it out', async () => {
    await temp.store.transaction((tx) => put(tx, 'raw-4', 1, 'Skov'));
    await readOften(temp.store, 'raw-4');
    await temp.store.transaction((tx) => tx.write({ type: 'Patient', id: 'raw-4', versionId: 2, lastUpdated: new Date().toISOString(), method: 'DELETE' }));
    expect(await family(temp.store, 'raw-4')).toBe('deleted');
    expect(await temp.store.readMany([{ type: 'Patient', id: 'raw-4' }])).toEqual([]);
  });

  it('a resource first read after its create in the same batch of transactions is found', async () => {
    expect(await temp.store.readCurrent('Patient', 'raw-5')).toBeUndefined();
    await Promise.all([temp.store.transaction((tx) => put(tx, 'raw-5', 1, 'Vang')), temp.store.transaction((tx) => put(tx, 'raw-6', 1, 'Eng'))]);
    expect(await family(temp.store, 'raw-5')).toBe('Vang');
    expect(await family(temp.store, 'raw-6')).toBe('Eng');
  });
});

describe('the embedded store with a read cache smaller than what is read', () => {
  it('evicted and re-read versions are the current ones', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-read-cache-'));
    const store = new SqliteStore({ dataDir, readCacheBytes: 2_000 });
    try {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 30; i++) await put(tx, `small-${i}`, 1, `F${i}`);
      });
      for (let i = 0; i < 30; i++) await readOften(store, `small-${i}`, 2);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 30; i += 2) await put(tx, `small-${i}`, 2, `G${i}`);
      });
      for (let i = 0; i < 30; i++) expect(await family(store, `small-${i}`)).toBe(i % 2 === 0 ? `G${i}` : `F${i}`);
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
