import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../support/store.js';

/*
 * The store's remembered once-only keys (Idempotency-Key answers, spent client-assertion jti): a key is
 * remembered once, and old keys of one kind are removed without touching the others.
 */

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('once-keys', []);
});
afterAll(async () => {
  await temp?.close();
});

const row = (key: string, created: string) => ({ key, fingerprint: 'f', status: 0, body: '', created });

describe('remembered keys', () => {
  it('removes the old keys with a prefix, keeps the new ones and the other kinds', async () => {
    await temp.store.transaction(async (tx) => {
      await tx.workflow.rememberIdempotency(row('client-assertion:c1 old', '2026-01-01T10:00:00.000Z'));
      await tx.workflow.rememberIdempotency(row('client-assertion:c1 new', '2026-01-01T10:10:00.000Z'));
      await tx.workflow.rememberIdempotency(row('event-key-old', '2026-01-01T09:00:00.000Z'));
    });
    const removed = await temp.store.transaction((tx) => tx.workflow.forgetIdempotency('client-assertion:', '2026-01-01T10:05:00.000Z'));
    expect(removed).toBe(1);
    expect(await temp.store.workflow.idempotency('client-assertion:c1 old')).toBeUndefined();
    expect((await temp.store.workflow.idempotency('client-assertion:c1 new'))?.created).toBe('2026-01-01T10:10:00.000Z');
    expect(await temp.store.workflow.idempotency('event-key-old')).toBeDefined();
  });

  it('a key is remembered once: the same key again fails and leaves the first', async () => {
    await temp.store.transaction((tx) => tx.workflow.rememberIdempotency(row('once', '2026-01-01T10:00:00.000Z')));
    await expect(temp.store.transaction((tx) => tx.workflow.rememberIdempotency({ ...row('once', '2026-02-02T10:00:00.000Z'), body: 'second' }))).rejects.toThrow();
    expect((await temp.store.workflow.idempotency('once'))?.body).toBe('');
  });
});
