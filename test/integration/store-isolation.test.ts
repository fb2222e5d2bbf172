import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndex } from '../../src/search/extract.js';
import type { StoreWriter } from '../../src/store/types.js';
import { openTempStore, planFor, type TempStore } from '../support/store.js';

/*
 * What concurrent store transactions may and may not see of each other. SQLite runs them one after
 * another; PostgreSQL runs them at once, plain writes at REPEATABLE READ with row locks, transactions
 * that search SERIALIZABLE (pg-store.ts): both must give an outcome of some serial order.
 */

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('isolation', []);
});
afterAll(async () => {
  await temp?.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function put(tx: StoreWriter, resource: Resource, versionId: number): Promise<void> {
  await tx.write({
    type: resource.resourceType,
    id: resource.id!,
    versionId,
    lastUpdated: new Date().toISOString(),
    method: versionId === 1 ? 'POST' : 'PUT',
    json: JSON.stringify(resource),
    index: extractIndex(resource),
  });
}

describe('store transactions under concurrency', () => {
  it('eight transactions that each search for an identifier and create it when absent: exactly one is created', async () => {
    // Write skew unless the search's predicate is checked against the others' inserts: each would find
    // nothing in its snapshot and insert its own. Another Organization with an identifier first, so that
    // the index's parameter ids exist and creating them does not serialize the eight by itself.
    await temp.store.transaction((tx) =>
      put(tx, { resourceType: 'Organization', id: 'skew-other', identifier: [{ system: 'urn:oid:1.2.208.176.1.1', value: 'other' }] }, 1),
    );
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        temp.store.transaction(async (tx) => {
          const found = await tx.search(planFor('Organization', 'identifier=urn:oid:1.2.208.176.1.1|skew-1').plan);
          await pause(20); // every transaction has searched before any commits
          if (found.versions.length === 0) {
            await put(tx, { resourceType: 'Organization', id: `skew-${n}`, identifier: [{ system: 'urn:oid:1.2.208.176.1.1', value: 'skew-1' }] }, 1);
          }
        }),
      ),
    );
    const page = await temp.store.search(planFor('Organization', 'identifier=urn:oid:1.2.208.176.1.1|skew-1').plan);
    expect(page.versions).toHaveLength(1);
  });

  it('a transaction that swallows an error of its search commits only what it decided after a working search', async () => {
    let searchesAnswered = 0;
    await temp.store.transaction(async (tx) => {
      let found = true;
      try {
        found = (await tx.search(planFor('Organization', 'identifier=urn:oid:1.2.208.176.1.1|swallowed').plan)).versions.length > 0;
        searchesAnswered++;
      } catch {
        // The caller's own error handling: it goes on as if there were a match, writing a marker.
      }
      await put(tx, { resourceType: 'Basic', id: 'swallowed', code: { text: found ? 'found' : 'absent' } } as Resource, 1);
    });
    const stored = await temp.store.readCurrent('Basic', 'swallowed');
    expect(JSON.parse(stored!.json!).code.text).toBe('absent');
    expect(searchesAnswered).toBeGreaterThan(0);
    const history = await temp.store.history({ type: 'Basic', id: 'swallowed', count: 10, offset: 0 });
    expect(history.total).toBe(1);
  });

  it('twenty concurrent read-modify-write transactions of one resource: no increment is lost', async () => {
    await temp.store.transaction((tx) => put(tx, { resourceType: 'Basic', id: 'counter', code: { text: '0' } } as Resource, 1));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        temp.store.transaction(async (tx) => {
          const current = (await tx.readCurrent('Basic', 'counter'))!;
          const count = Number(JSON.parse(current.json!).code.text);
          await pause(5);
          await put(tx, { resourceType: 'Basic', id: 'counter', code: { text: String(count + 1) } } as Resource, current.versionId + 1);
        }),
      ),
    );
    const final = (await temp.store.readCurrent('Basic', 'counter'))!;
    expect(final.versionId).toBe(21);
    expect(JSON.parse(final.json!).code.text).toBe('20');
  });

  it('sixteen writers updating neighbouring resources at once: every update is kept', async () => {
    const ids = Array.from({ length: 64 }, (_, i) => `near-${String(i).padStart(2, '0')}`);
    await temp.store.transaction(async (tx) => {
      for (const id of ids) await put(tx, { resourceType: 'Basic', id, code: { text: 'v1' } } as Resource, 1);
    });
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let round = 2; round <= 6; round++) {
          for (const id of ids.slice(w * 4, w * 4 + 4)) {
            await temp.store.transaction(async (tx) => {
              const current = (await tx.readCurrent('Basic', id))!;
              await put(tx, { resourceType: 'Basic', id, code: { text: `v${round}` } } as Resource, current.versionId + 1);
            });
          }
        }
      }),
    );
    for (const v of await temp.store.readMany(ids.map((id) => ({ type: 'Basic', id })))) {
      expect(v.versionId).toBe(6);
      expect(JSON.parse(v.json!).code.text).toBe('v6');
    }
  });
});
