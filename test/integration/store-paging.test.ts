import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import type { SearchPage } from '../../src/search/plan.js';
import type { Store } from '../../src/store/types.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { openStoreIn } from '../support/store.js';

/**
 * Keyset paging on the real store: walking `next` cursors while resources are created, updated and
 * deleted between page fetches never returns a resource twice and never skips one that existed
 * unchanged during the walk, for the default order and for sorts on strings, dates and _lastUpdated.
 */

let dataDir: string;
let store: Store;
/** Current version per id (0 = never written); deleted ids are tracked separately. */
const versions = new Map<string, number>();
const deleted = new Set<string>();
let clock = Date.UTC(2024, 0, 1);
let seed = 42;

function random(): number {
  // Deterministic (mulberry32), so a failure reproduces.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];

const FAMILIES = ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Sørensen', 'Ærø', 'Østergaard', 'Åberg'];

function patient(id: string): Patient {
  const p: Patient = { resourceType: 'Patient', id, gender: pick(['male', 'female']) };
  // Some without a family name (sorted last) or birth date; many ties on both.
  if (random() < 0.85) p.name = [{ family: pick(FAMILIES), given: [pick(['Anne', 'Bo', 'Carl'])] }];
  if (random() < 0.8) p.birthDate = `19${50 + Math.floor(random() * 10)}-0${1 + Math.floor(random() * 3)}-1${Math.floor(random() * 3)}`;
  return p;
}

/** Write (create or update) a resource; `sameInstant` reuses the last timestamp (ties on _lastUpdated). */
async function put(r: Resource, sameInstant = false): Promise<void> {
  if (!sameInstant) clock += 1000;
  const lastUpdated = new Date(clock).toISOString();
  const versionId = (versions.get(r.id!) ?? 0) + 1;
  const withMeta = { ...r, meta: { versionId: String(versionId), lastUpdated } } as Resource;
  await store.transaction((tx) =>
    tx.write({
      type: r.resourceType,
      id: r.id!,
      versionId,
      lastUpdated,
      method: versionId === 1 ? 'POST' : 'PUT',
      json: JSON.stringify(withMeta),
      index: extractIndex(withMeta),
    }),
  );
  versions.set(r.id!, versionId);
  deleted.delete(r.id!);
}

async function remove(type: string, id: string): Promise<void> {
  clock += 1000;
  const versionId = (versions.get(id) ?? 0) + 1;
  await store.transaction((tx) => tx.write({ type, id, versionId, lastUpdated: new Date(clock).toISOString(), method: 'DELETE' }));
  versions.set(id, versionId);
  deleted.add(id);
}

function query(q: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q)) (out[k] ??= []).push(v);
  return out;
}

async function page(q: string, cursor?: { after: string } | { before: string }): Promise<SearchPage> {
  const { plan } = buildSearchPlan(['Patient'], query(q), { defaultCount: 20, maxCount: 1000 });
  if (cursor) plan.page = cursor;
  return store.search(plan);
}

const live = () => [...versions.keys()].filter((id) => !deleted.has(id));
let nextId = 0;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-paging-'));
  store = await openStoreIn(dataDir);
  for (let i = 0; i < 80; i++) await put(patient(`p${nextId++}`), i % 3 !== 0);
  // Other types must not leak into Patient pages.
  await put({ resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'Jensen' }] } as Resource);
});

afterAll(async () => {
  await store?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

/** Random writes between page fetches; returns the ids written. */
async function churn(): Promise<string[]> {
  const touched: string[] = [];
  for (let n = 0; n < 4; n++) {
    const action = random();
    if (action < 0.3) {
      const id = `p${nextId++}`;
      await put(patient(id));
      touched.push(id);
    } else if (action < 0.75) {
      const id = pick(live().filter((x) => x !== 'gp1'));
      await put(patient(id)); // new family name, birth date and lastUpdated: a new sort position
      touched.push(id);
    } else {
      const id = pick(live().filter((x) => x !== 'gp1'));
      await remove('Patient', id);
      touched.push(id);
    }
  }
  return touched;
}

describe('keyset paging under concurrent writes', () => {
  const sorts = ['', '_sort=family', '_sort=-family', '_sort=-_lastUpdated', '_sort=_lastUpdated', '_sort=birthdate,-_id', '_sort=-birthdate,family', '_sort=_id'];
  for (const sort of sorts) {
    it(`never repeats and never skips unchanged resources (${sort || 'default order'})`, async () => {
      const count = 7;
      const atStart = new Set(live().filter((id) => id.startsWith('p')));
      const touched = new Set<string>();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const p = await page(`${sort}&_count=${count}`, cursor ? { after: cursor } : undefined);
        expect(p.versions.length).toBeLessThanOrEqual(count);
        if (pages > 0) expect(p.previous).toBeDefined();
        else expect(p.previous).toBeUndefined();
        for (const v of p.versions) {
          expect(v.type).toBe('Patient');
          seen.push(v.id);
        }
        cursor = p.next;
        pages++;
        for (const id of await churn()) touched.add(id);
      } while (cursor && pages < 100);
      expect(cursor).toBeUndefined();
      expect(pages).toBeGreaterThan(5);
      // No duplicates.
      expect(new Set(seen).size).toBe(seen.length);
      // No gaps for resources that existed unchanged throughout.
      const unchanged = [...atStart].filter((id) => !touched.has(id));
      const missing = unchanged.filter((id) => !seen.includes(id));
      expect(missing).toEqual([]);
      // Unchanged resources come in the order a fresh search gives them.
      const fresh = (await page(`${sort}&_count=1000`)).versions.map((v) => v.id).filter((id) => unchanged.includes(id));
      expect(seen.filter((id) => unchanged.includes(id))).toEqual(fresh);
    });
  }

  it('previous cursors walk back over the same pages (no writes)', async () => {
    for (const sort of ['', '_sort=family', '_sort=-_lastUpdated', '_sort=-birthdate']) {
      const forward: string[][] = [];
      let p = await page(`${sort}&_count=6`);
      forward.push(p.versions.map((v) => v.id));
      const cursors: SearchPage[] = [p];
      while (p.next) {
        p = await page(`${sort}&_count=6`, { after: p.next });
        forward.push(p.versions.map((v) => v.id));
        cursors.push(p);
      }
      const all = (await page(`${sort}&_count=1000`)).versions.map((v) => v.id);
      expect(forward.flat()).toEqual(all);
      expect(p.next).toBeUndefined();
      // Back from the last page.
      const backward: string[][] = [p.versions.map((v) => v.id)];
      while (p.previous) {
        p = await page(`${sort}&_count=6`, { before: p.previous });
        backward.unshift(p.versions.map((v) => v.id));
      }
      expect(backward).toEqual(forward);
      expect(p.previous).toBeUndefined();
      expect(p.next).toBeDefined();
    }
  });

  it('keeps totals and offset paging working alongside cursors', async () => {
    const all = (await page('_sort=family&_count=1000')).versions.map((v) => v.id);
    const first = await page('_sort=family&_count=5');
    expect(first.total).toBe(all.length);
    expect(first.next).toBeDefined();
    const second = await page('_sort=family&_count=5&_offset=5');
    expect(second.versions.map((v) => v.id)).toEqual(all.slice(5, 10));
    expect(second.previous).toBeDefined();
    const viaCursor = await page('_sort=family&_count=5', { after: first.next! });
    expect(viaCursor.versions.map((v) => v.id)).toEqual(all.slice(5, 10));
    expect(viaCursor.total).toBe(all.length);
    const last = await page(`_sort=family&_count=5&_offset=${all.length - 2}`);
    expect(last.versions.length).toBe(2);
    expect(last.next).toBeUndefined();
  });

  it('links back from an empty page when its rows went away', async () => {
    const first = await page('gender=female&_count=3');
    expect(first.next).toBeDefined();
    // Delete every remaining female patient after the first page.
    const rest = (await page('gender=female&_count=1000')).versions.map((v) => v.id).slice(3);
    for (const id of rest) await remove('Patient', id);
    const empty = await page('gender=female&_count=3', { after: first.next! });
    expect(empty.versions).toEqual([]);
    expect(empty.next).toBeUndefined();
    expect(empty.previous).toBeDefined();
    const back = await page('gender=female&_count=3', { before: empty.previous! });
    expect(back.versions.map((v) => v.id)).toEqual(first.versions.map((v) => v.id));
  });

  it('cursors are URL-safe and refused when tampered with or used with another sort', async () => {
    const p = await page('_sort=family&_count=3');
    expect(p.next).toMatch(/^[A-Za-z0-9_.-]+$/);
    const fails = async (q: string, cursor: { after: string } | { before: string }) => {
      let caught: unknown;
      try {
        await page(q, cursor);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FhirError);
      expect((caught as FhirError).status).toBe(400);
    };
    const [body, sig] = p.next!.split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...decoded, r: 1 })).toString('base64url');
    await fails('_sort=family&_count=3', { after: `${forged}.${sig}` });
    await fails('_sort=family&_count=3', { after: `${body}x.${sig}` });
    await fails('_sort=family&_count=3', { after: 'garbage' });
    await fails('_sort=family&_count=3', { before: '' });
    await fails('_sort=-family&_count=3', { after: p.next! });
    await fails('_count=3', { after: p.next! });
  });
});
