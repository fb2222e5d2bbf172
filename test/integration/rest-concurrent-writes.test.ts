import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * Many writes at once, more than the store's connection pool: every acknowledged write is kept, and
 * none gives up with an error. On PostgreSQL they fail to serialize against each other and are run
 * again; from the third attempt on a transaction runs alone (pg-store.ts), and that attempt must see
 * the writes it waited for.
 */

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

/** Runs `fn` for 0..n-1, `width` at a time. */
async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) out[i] = await fn(i);
    }),
  );
  return out;
}

describe('concurrent writes', () => {
  it('300 creates, 32 at a time, each widening the date statistics: all 201, all searchable', async () => {
    // Every period is wider than any before it, so each write updates the shared date statistics
    // that every other write reads: the most conflict-prone write there is.
    const results = await inParallel(300, 32, (i) =>
      fhirFetch(`${srv.base}/Observation`, {
        method: 'POST',
        body: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
          effectivePeriod: { start: `${String(2000 - i).padStart(4, '0')}-01-01`, end: `${2000 + i}-12-31` },
        },
      }),
    );
    for (const res of results) expect(res.status, res.text).toBe(201);
    const found = await fhirFetch(`${srv.base}/Observation?date=ge1990-01-01&date=le2010-12-31&_summary=count`);
    expect(found.body.total).toBe(300);
  });

  it('thirty-two PUTs of one resource at once: every one is acknowledged and kept as a version of its own', async () => {
    // All update one head row: on PostgreSQL most fail to serialize and run again, the late attempts
    // alone (pg-store.ts); none may give up with an error.
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, n) =>
        fhirFetch(`${srv.base}/Patient/same-row`, { method: 'PUT', body: { resourceType: 'Patient', id: 'same-row', name: [{ family: `Writer${n}` }] } }),
      ),
    );
    for (const res of results) expect([200, 201], res.text).toContain(res.status);
    const versions = results.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    const history = await fhirFetch(`${srv.base}/Patient/same-row/_history?_count=50`);
    expect(history.body.total).toBe(32);
    const families = history.body.entry.map((e: any) => e.resource.name[0].family).sort();
    expect(families).toEqual(Array.from({ length: 32 }, (_, n) => `Writer${n}`).sort());
  });
});
