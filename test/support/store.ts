import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { parseQuery } from '../../src/fhir/route.js';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan, type BuiltSearch } from '../../src/search/parse.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface TempStore {
  store: SqliteStore;
  close(): Promise<void>;
}

/** A real SqliteStore over a fresh temporary directory, holding `resources` as version 1. */
export async function openTempStore(prefix: string, resources: Resource[]): Promise<TempStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `forlob-${prefix}-`));
  const store = new SqliteStore({ dataDir });
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
    },
  };
}

/** Parse a query string ("code=x&date=ge2020") into a search plan for `type`. */
export function planFor(type: string, q: string, count = 100): BuiltSearch {
  return buildSearchPlan([type], parseQuery(q), { defaultCount: count, maxCount: count });
}

/** The sorted ids a search over the store returns. */
export async function searchIds(store: SqliteStore, type: string, q: string): Promise<string[]> {
  return (await store.search(planFor(type, q).plan)).versions.map((v) => v.id).sort();
}
