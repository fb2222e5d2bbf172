// Minimal types for the parts of autocannon 8 the benchmarks use (the package ships none).
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /**
       * Called before every request of this kind (the request is rebuilt each time). `context` is per
       * connection, but reset to `initialContext` whenever the `requests` list starts over, i.e.
       * before every request when the list holds one entry.
       */
      setupRequest?: (req: Request, context: Record<string, unknown>) => Request | undefined;
      /** `headers`: response header names as sent, repeated headers as arrays. */
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers?: Record<string, string | string[]>) => void;
    }
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      /** Milliseconds between samples (default 1000); a run notices it is done only at a sample. */
      sampleInt?: number;
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: Request[];
      initialContext?: Record<string, unknown>;
      title?: string;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total?: number;
      p0_001: number;
      p1: number;
      p2_5: number;
      p10: number;
      p25: number;
      p50: number;
      p75: number;
      p90: number;
      p97_5: number;
      p99: number;
      p99_9: number;
    }
    interface Result {
      title?: string;
      url: string;
      connections: number;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      '1xx': number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds. */
      latency: Histogram & { totalCount: number };
      /** Requests per second (per 1-s sample); `total` is the count. */
      requests: Histogram & { sent: number };
      /** Bytes per second. */
      throughput: Histogram;
    }
  }
  /**
   * Runs the load; the returned emitter also emits `response` (client, statusCode, resBytes,
   * responseTimeMs) for every answer.
   */
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result> & NodeJS.EventEmitter;
  export = autocannon;
}
