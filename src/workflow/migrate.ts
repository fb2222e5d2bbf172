import type { AnyMachineSnapshot } from 'xstate';
import { migrationFor, type PersistedSnapshot } from '../../workflows/migrations.js';
import { machineByVersion } from '../../workflows/registry.js';
import { inTransaction, type FhirContext } from '../fhir/context.js';
import { badRequest, unprocessable } from '../fhir/errors.js';
import { commit, loadInstance } from './engine.js';

/*
 * Moving running instances to another machine version by a documented migration (workflows/migrations.ts):
 * each instance in its own transaction, recorded like a transition (event MIGRATE, its own CarePlan version and
 * Provenance), so its history says when and why its machine changed.
 */

const PAGE = 200;

export async function migrateInstances(ctx: FhirContext, machine: string, from: string, to: string): Promise<string[]> {
  const migration = migrationFor(machine, from, to);
  if (!migration) badRequest(`No migration of ${machine} from ${from} to ${to} is defined (workflows/migrations.ts)`);
  const target = machineByVersion(machine, to);
  if (!target) unprocessable(`${machine} ${to} is not a machine of this server`);
  const moved: string[] = [];
  let after = '';
  for (;;) {
    const ids = await ctx.store.workflow.instancesOf(machine, from, after, PAGE);
    for (const id of ids) {
      const done = await inTransaction(ctx, async (tx) => {
        const { inst, stored } = await loadInstance(tx.tx, id);
        if (inst.machine !== machine || inst.machineVersion !== from) return false; // moved meanwhile
        const snapshot = migration!.migrate(JSON.parse(inst.snapshot) as PersistedSnapshot);
        const next = target!.machine.resolveState(target!.machine.restoreSnapshot(snapshot as never, {} as never) as never) as AnyMachineSnapshot;
        const event = { type: 'MIGRATE', from, to, reason: migration!.description };
        await commit(tx, { def: target!, stored, inst, from: next, next, actions: [], event, options: { agent: 'Forløb workflow migration' } });
        return true;
      });
      if (done) moved.push(id);
    }
    if (ids.length < PAGE) return moved;
    after = ids[ids.length - 1];
  }
}
