import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/security/rate-limit.js';

describe('per-client rate limit (token bucket)', () => {
  it('allows a burst, then the sustained rate, and says how long to wait', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 5 });
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) expect(limiter.take('a', t0)).toBe(0);
    expect(limiter.take('a', t0)).toBe(1); // empty: wait a second (rounded up)
    expect(limiter.take('b', t0)).toBe(0); // another client has its own bucket
    expect(limiter.take('a', t0 + 100)).toBe(0); // 100 ms at 10/s: one more
    expect(limiter.take('a', t0 + 100)).toBeGreaterThan(0);
    expect(limiter.take('a', t0 + 10_000)).toBe(0); // refilled, but never beyond the burst
    for (let i = 0; i < 4; i++) expect(limiter.take('a', t0 + 10_000)).toBe(0);
    expect(limiter.take('a', t0 + 10_000)).toBeGreaterThan(0);
  });

  it('forgets the longest idle keys beyond its size', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxKeys: 2 });
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('c', 0)).toBe(0); // 'a' is forgotten
    expect(limiter.take('a', 0)).toBe(0); // a fresh bucket again
    expect(limiter.take('c', 0)).toBeGreaterThan(0);
  });
});
