/*
 * Per-client rate limits (pure logic, time passed in): a token bucket per key, refilled at `perSecond` up
 * to `burst`. Per node: behind a load balancer of N nodes a client gets up to N times the rate.
 */

export interface RateLimitOptions {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Requests a key may make at once after being idle. */
  burst: number;
  /** Most keys remembered; the longest idle are forgotten first (they would be full again anyway). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Take one request for `key` at time `now` (ms): 0 when allowed, else the seconds to wait (Retry-After). */
  take(key: string, now: number): number {
    const { perSecond, burst } = this.options;
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // re-inserted below: the map stays ordered by last use
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
    } else {
      b = { tokens: burst, at: now };
      if (this.buckets.size >= (this.options.maxKeys ?? 100_000)) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }
}
