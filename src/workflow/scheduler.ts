import { inTransaction, type FhirContext } from '../fhir/context.js';
import { FhirError } from '../fhir/errors.js';
import type { WorkflowTimerRow } from '../store/workflow-types.js';
import { applyEvent } from './engine.js';

/*
 * Fires durable timers. A timer row is deleted in the same transaction that applies its event, so it fires
 * at most once, whichever process or loop gets there first; timers due while the server was down fire on the
 * first tick after start. An event the course no longer takes (it moved on) drops its timer, logged.
 */

const BATCH = 100;
export const SCHEDULER_AGENT = 'Forløb scheduler';

export interface FiredTimer extends WorkflowTimerRow {
  applied: boolean;
}

/** Fire one timer; undefined when another process or loop already fired it. */
export async function fireTimer(ctx: FhirContext, timer: WorkflowTimerRow): Promise<FiredTimer | undefined> {
  try {
    return await inTransaction(ctx, async (tx) => {
      if (!(await tx.tx.workflow.deleteTimer(timer.carePlanId, timer.timerId))) return undefined;
      await applyEvent(tx, timer.carePlanId, { type: timer.event }, { agent: SCHEDULER_AGENT });
      return { ...timer, applied: true };
    });
  } catch (err) {
    if (!(err instanceof FhirError) || err.status >= 500) throw err;
    // The event was refused (the course moved on, or the plan is gone): nothing of it was written. Drop the timer.
    ctx.logger.warn({ carePlan: timer.carePlanId, timer: timer.timerId, event: timer.event, status: err.status }, 'timer event refused; timer dropped');
    const dropped = await inTransaction(ctx, (tx) => tx.tx.workflow.deleteTimer(timer.carePlanId, timer.timerId));
    return dropped ? { ...timer, applied: false } : undefined;
  }
}

/** Fire every timer due at or before `until`, earliest first. */
export async function fireDue(ctx: FhirContext, until: string): Promise<FiredTimer[]> {
  const fired: FiredTimer[] = [];
  for (;;) {
    const due = await ctx.store.workflow.dueTimers(until, BATCH);
    for (const t of due) {
      const f = await fireTimer(ctx, t);
      if (f) fired.push(f);
    }
    if (due.length < BATCH) return fired;
  }
}

/** The background loop: fire what is due every `intervalMs`, one pass at a time. */
export function startScheduler(ctx: FhirContext, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    running = fireDue(ctx, ctx.now())
      .catch((err) => ctx.logger.error({ err: String(err) }, 'scheduler pass failed'))
      .finally(() => (busy = false));
  };
  const handle = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  handle?.unref();
  if (intervalMs > 0) tick();
  return {
    async stop() {
      if (handle) clearInterval(handle);
      await running;
    },
  };
}
