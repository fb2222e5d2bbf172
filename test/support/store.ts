import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { parseQuery } from '../../src/fhir/route.js';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan, type BuiltSearch } from '../../src/search/parse.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { databaseFor, dropDatabaseFor, testPgUrl } from './pg-databases.js';

export interface TempStore {
  store: Store;
  close(): Promise<void>;
}

/** The store under test over `dataDir`: SQLite there, or (with TEST_PG_URL) PostgreSQL in a database of its own. */
export async function openStoreIn(dataDir: string): Promise<Store> {
  if (!testPgUrl) return new SqliteStore({ dataDir });
  const store = new PgStore({ url: await databaseFor(dataDir) });
  await store.ready();
  return store;
}

/** A real store (see openStoreIn) over a fresh temporary directory, holding `resources` as version 1. */
export async function openTempStore(prefix: string, resources: Resource[]): Promise<TempStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `forlob-${prefix}-`));
  const store = await openStoreIn(dataDir);
  await store.transaction(async (tx) => {
    for (const r of resources) {
      await tx.write({
        type: r.resourceType,
        id: r.id!,
        versionId: 1,
        lastUpdated: '2024-01-01T00:00:00.000Z',
        method: 'PUT',
        json: JSON.stringify(r),
        index: extractIndex(r),
      });
    }
  });
  return {
    store,
    async close() {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await dropDatabaseFor(dataDir);
    },
  };
}

/** Parse a query string ("code=x&date=ge2020") into a search plan for `type`. */
export function planFor(type: string, q: string, count = 100): BuiltSearch {
  return buildSearchPlan([type], parseQuery(q), { defaultCount: count, maxCount: count });
}

/** The sorted ids a search over the store returns. */
export async function searchIds(store: Store, type: string, q: string): Promise<string[]> {
  return (await store.search(planFor(type, q).plan)).versions.map((v) => v.id).sort();
}
