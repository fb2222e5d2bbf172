/**
 * The server's clock. Instants never repeat or go backwards within the process, so every version gets its
 * own meta.lastUpdated and history order follows write order. A manual clock (CLOCK=manual) runs at wall-clock
 * speed plus an offset that only `advanceTo` changes (POST $advance-clock): a three-month course can be
 * stepped in seconds. The offset is the caller's to persist; it is restored with `restoreOffset`.
 */
export class Clock {
  private last = 0;
  private offset = 0;

  constructor(readonly manual: boolean) {}

  /** The current instant as an ISO string. */
  readonly now = (): string => {
    const t = Date.now() + this.offset;
    this.last = t > this.last ? t : this.last + 1;
    return new Date(this.last).toISOString();
  };

  /** Milliseconds the manual clock is ahead of the wall clock. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Move a manual clock forward so that now() is at least `instant`; never backwards. */
  advanceTo(instant: string): void {
    if (!this.manual) throw new Error('The system clock cannot be moved');
    const ahead = Date.parse(instant) - Date.now();
    if (ahead > this.offset) this.offset = ahead;
  }

  restoreOffset(offsetMs: number): void {
    if (this.manual && Number.isFinite(offsetMs) && offsetMs > this.offset) this.offset = offsetMs;
  }
}
