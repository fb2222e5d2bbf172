import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRow } from '../../src/store/audit-types.js';
import { openTempStore, type TempStore } from '../support/store.js';

/*
 * The store's audit trail: appended batches are atomic and durable, and a search by patient finds exactly
 * that patient's rows (ids differing only in case are different patients), newest first, within a date
 * range, with correct totals and pages.
 */

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('audit', []);
});
afterAll(async () => {
  await temp?.close();
});

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
const row = (patient: string | undefined, minute: number, detail?: string): AuditRow => ({
  recorded: at(minute),
  clientId: 'c1',
  organization: 'Organization/o1',
  action: 'R',
  subtype: 'read',
  resourceType: 'Patient',
  ...(patient && { patient, resourceId: patient.split('/')[1] }),
  outcome: 0,
  status: 200,
  ...(detail && { detail }),
});

describe('audit trail in the store', () => {
  it('finds a patient\'s rows only, newest first, by date, in pages', async () => {
    const audit = temp.store.audit;
    await audit.append([row('Patient/abc', 1, 'first'), row('Patient/ABC', 2), row('Patient/a-b.c', 3), row(undefined, 4), row('Patient/abc', 5, 'second')]);
    await audit.append([row('Patient/abc', 6, 'third')]);

    const abc = await audit.search({ patient: 'Patient/abc', count: 10, offset: 0 });
    expect(abc.total).toBe(3);
    expect(abc.rows.map((r) => r.detail)).toEqual(['third', 'second', 'first']);
    expect(abc.rows[0]).toMatchObject({ clientId: 'c1', organization: 'Organization/o1', action: 'R', subtype: 'read', patient: 'Patient/abc', outcome: 0, status: 200 });
    expect((await audit.search({ patient: 'Patient/ABC', count: 10, offset: 0 })).rows.map((r) => r.recorded)).toEqual([at(2)]);
    expect((await audit.search({ patient: 'Patient/a-b.c', count: 10, offset: 0 })).total).toBe(1);
    // A part of an id is not the id.
    expect((await audit.search({ patient: 'Patient/a', count: 10, offset: 0 })).total).toBe(0);
    expect((await audit.search({ patient: 'Patient/nobody', count: 10, offset: 0 })).total).toBe(0);
    expect((await audit.search({ patient: 'not a reference "', count: 10, offset: 0 })).total).toBe(0);

    const window = await audit.search({ patient: 'Patient/abc', from: at(2), to: at(6), count: 10, offset: 0 });
    expect(window.rows.map((r) => r.detail)).toEqual(['second']);
    const page = await audit.search({ patient: 'Patient/abc', count: 1, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => r.detail)).toEqual(['second']);

    const all = await audit.search({ count: 100, offset: 0 });
    expect(all.total).toBe(6);
    const seqs = all.rows.map((r) => r.seq!);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(await audit.get(seqs[0])).toMatchObject({ detail: 'third', recorded: at(6) });
    expect(await audit.get(999_999)).toBeUndefined();
  });

  it('keeps every patient\'s count right across many batches', async () => {
    const audit = temp.store.audit;
    const patients = Array.from({ length: 300 }, (_, i) => `Patient/many-${i}`);
    const expected = new Map<string, number>();
    for (let batch = 0; batch < 4; batch++) {
      const rows: AuditRow[] = [];
      for (let i = 0; i < 750; i++) {
        const p = patients[(i * 7 + batch * 13) % patients.length];
        expected.set(p, (expected.get(p) ?? 0) + 1);
        rows.push(row(p, 20 + batch));
      }
      await audit.append(rows);
    }
    for (const p of [patients[0], patients[1], patients[150], patients[299]]) {
      expect((await audit.search({ patient: p, count: 0, offset: 0 })).total, p).toBe(expected.get(p));
    }
    expect((await audit.search({ from: at(20), to: at(24), count: 0, offset: 0 })).total).toBe(3000);
  });

  it('a batch that cannot be written leaves nothing, and the next one is written', async () => {
    const audit = temp.store.audit;
    const before = (await audit.search({ count: 0, offset: 0 })).total;
    const broken = { ...row('Patient/broken', 30), recorded: null } as unknown as AuditRow;
    await expect(audit.append([row('Patient/broken', 30), broken])).rejects.toThrow();
    expect((await audit.search({ count: 0, offset: 0 })).total).toBe(before);
    expect((await audit.search({ patient: 'Patient/broken', count: 0, offset: 0 })).total).toBe(0);
    await audit.append([row('Patient/broken', 31)]);
    expect((await audit.search({ patient: 'Patient/broken', count: 10, offset: 0 })).rows.map((r) => r.recorded)).toEqual([at(31)]);
  });
});
