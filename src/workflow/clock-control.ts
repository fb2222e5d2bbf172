import type { FhirContext } from '../fhir/context.js';
import { conflict } from '../fhir/errors.js';
import { fireDue, type FiredTimer } from './scheduler.js';

/*
 * Moving the manual clock (CLOCK=manual): time jumps to each timer's due instant in turn and fires what is due
 * there, so events happen in the order and at the times they would have; then it stops at the target. The
 * offset is stored, so a restarted server keeps the time it was moved to.
 */

const OFFSET_SETTING = 'clock.offset-ms';

export async function restoreClock(ctx: FhirContext): Promise<void> {
  if (!ctx.clock.manual) return;
  const stored = await ctx.store.workflow.setting(OFFSET_SETTING);
  if (stored !== undefined) ctx.clock.restoreOffset(Number(stored));
}

export async function advanceClock(ctx: FhirContext, target: string): Promise<{ now: string; fired: FiredTimer[] }> {
  if (!ctx.clock.manual) conflict('The server runs on the system clock: start it with CLOCK=manual to move time');
  const fired: FiredTimer[] = [];
  for (;;) {
    const next = await ctx.store.workflow.nextTimer();
    if (!next || next.due > target) break;
    ctx.clock.advanceTo(next.due);
    fired.push(...(await fireDue(ctx, next.due)));
  }
  ctx.clock.advanceTo(target);
  const offset = ctx.clock.offsetMs;
  await ctx.store.transaction((tx) => tx.workflow.setSetting(OFFSET_SETTING, String(offset)));
  return { now: ctx.now(), fired };
}
