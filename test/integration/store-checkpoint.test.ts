import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * WAL checkpoints run on the store's worker thread, not in the writer's COMMIT: committed pages
 * reach the database file although the writer's own automatic checkpoint (10,000 pages) is never
 * reached, and what was written is intact after a reopen.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-checkpoint-'));
const dbFile = path.join(dataDir, 'forlob.sqlite');
let store: SqliteStore | undefined;

afterAll(async () => {
  await store?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function writeMany(s: SqliteStore, from: number, n: number): Promise<void> {
  const text = 'x'.repeat(2000);
  await s.transaction(async (tx) => {
    for (let i = from; i < from + n; i++) {
      const json = JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text } });
      await tx.write({ type: 'Basic', id: `b${i}`, versionId: 1, lastUpdated: '2026-01-01T00:00:00.000Z', method: 'PUT', json });
    }
  });
}

describe('WAL checkpoints on the worker thread', () => {
  it('copies committed pages into the database file without the writer checkpointing', async () => {
    store = new SqliteStore({ dataDir });
    const before = fs.statSync(dbFile).size;
    // ~2,000 pages of versions: five times less than the writer's backstop.
    for (let k = 0; k < 5; k++) {
      await writeMany(store, k * 800, 800);
      await new Promise((r) => setTimeout(r, 120)); // requests are spaced ≥ 100 ms apart
    }
    let after = before;
    for (let waited = 0; waited < 5000 && after < before + 4 * 1024 * 1024; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      after = fs.statSync(dbFile).size;
    }
    expect(after).toBeGreaterThan(before + 4 * 1024 * 1024);

    await store.close();
    store = new SqliteStore({ dataDir });
    const last = await store.readCurrent('Basic', 'b3999');
    expect(last?.versionId).toBe(1);
    expect(JSON.parse(last!.json!).code.text).toHaveLength(2000);
  });

  it('closes once: a second close leaves alone the file descriptors others have opened since', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-close-twice-'));
    const s = new SqliteStore({ dataDir: dir });
    await writeMany(s, 0, 10); // the WAL's descriptor is opened by the first durable commit
    await s.close();
    // The numbers the store gave back are taken again, as by the next server's worker threads.
    const taken = Array.from({ length: 16 }, (_, i) => fs.openSync(path.join(dir, `taken-${i}`), 'w'));
    try {
      await s.close();
      for (const fd of taken) expect(() => fs.fstatSync(fd)).not.toThrow();
    } finally {
      for (const fd of taken) fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
