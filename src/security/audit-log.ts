import type { AuditRow } from '../store/audit-types.js';
import type { Store } from '../store/types.js';

/*
 * The audit trail's writer: rows are queued by the request path (no I/O there) and appended in batches,
 * one atomic append per batch, at most FLUSH_MS after they were queued (or at BATCH rows). A crash
 * can lose at most the last FLUSH_MS of rows; a failed append is kept and tried again with the next batch
 * (up to MAX_PENDING rows, then the oldest are dropped, loudly).
 */

const FLUSH_MS = 100;
const BATCH = 1000;
const MAX_PENDING = 100_000;

export class AuditLog {
  private pending: AuditRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly warn: (message: string) => void,
  ) {}

  record(row: AuditRow): void {
    this.pending.push(row);
    if (this.pending.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Append everything queued so far. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.flushing = this.store.audit
      .append(rows)
      .catch((err: Error) => {
        this.pending = [...rows, ...this.pending];
        if (this.pending.length > MAX_PENDING) {
          this.warn(`audit trail: dropping ${this.pending.length - MAX_PENDING} unwritten rows`);
          this.pending = this.pending.slice(-MAX_PENDING);
        }
        this.warn(`audit trail: append failed (${err.message}); kept for the next batch`);
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 10).unref();
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}
