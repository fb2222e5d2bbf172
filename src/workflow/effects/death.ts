import type { CarePlan, Task } from '@medplum/fhirtypes';
import { isOpenTask } from '../../programmes/model.js';
import { searchResources } from '../../programmes/store-search.js';
import type { Effect } from './effect.js';
import { changeCarePlanStatus } from './status.js';

/*
 * A death revokes every plan of the patient. This course's plan is revoked here; the patient's other running
 * courses get the DEATH event themselves (their machines close them with all their effects), sent after this
 * transition in the same transaction; plans without a machine are revoked and their open Tasks cancelled here.
 */

export const revokeAllPlansOfPatient: Effect = async ({ ws, now, event, cascade }, { date }) => {
  const note = `The patient died${date ? ` (${String(date)})` : ''}; every plan of the patient is revoked.`;
  changeCarePlanStatus(ws.carePlan, 'revoked', now);
  (ws.carePlan.note ??= []).push({ text: note, time: now });
  // A DEATH passed on from another course revokes only its own plan.
  if (event.cascaded) return;
  const patient = ws.patientRef.reference!;
  const others = await searchResources<CarePlan>(ws.ctx, 'CarePlan', { subject: [patient], status: ['draft,active,on-hold'] });
  for (const other of others) {
    if (other.id === ws.carePlan.id) continue;
    if (await ws.ctx.tx.workflow.instance(other.id!)) {
      cascade.push({ carePlanId: other.id!, event: { type: 'DEATH', ...(date ? { date } : {}), cascaded: true } });
      continue;
    }
    const plan = (await ws.load<CarePlan>(`CarePlan/${other.id}`))!;
    changeCarePlanStatus(plan, 'revoked', now);
    (plan.note ??= []).push({ text: note, time: now });
    ws.touch(plan);
    for (const a of plan.activity ?? []) {
      const task = await ws.load<Task>(a.reference?.reference);
      if (task?.resourceType !== 'Task' || !isOpenTask(task)) continue;
      Object.assign(task, { status: 'cancelled', lastModified: now, statusReason: { text: 'The patient died' } });
      ws.touch(task);
    }
  }
};
