import type { Bundle } from '@medplum/fhirtypes';
import { seedResources } from '../../seed/index.js';
import type { FhirContext } from '../fhir/context.js';
import { dispatch } from '../fhir/dispatch.js';
import { FhirError } from '../fhir/errors.js';
import type { Logger } from '../log.js';

/*
 * The programme catalogue and reference data (seed/) on first start. A store without any PlanDefinition gets
 * them in one transaction Bundle through the normal FHIR write path, so every resource is validated and
 * indexed and the seed's value sets and code system reach the validator after commit, as any upload would.
 * A store that has a PlanDefinition is left alone; the transaction is all or nothing, so a failed attempt is
 * simply tried again on the next start.
 */

export type SeedMode = FhirContext['config']['seed'];

export interface SeedResult {
  /** Resources written (0 when skipped). */
  written: number;
  skipped?: 'disabled' | 'not-empty' | 'failed';
  ms: number;
}

export async function loadSeedCatalogue(ctx: FhirContext, logger: Logger, mode: SeedMode = 'catalogue'): Promise<SeedResult> {
  const started = performance.now();
  const done = (result: Omit<SeedResult, 'ms'>): SeedResult => {
    const ms = Math.round(performance.now() - started);
    logger.info({ ...result, seedMs: ms }, result.written ? 'seed catalogue loaded' : 'seed catalogue not loaded');
    return { ...result, ms };
  };
  if (mode === 'none') return done({ written: 0, skipped: 'disabled' });
  const existing = await ctx.store.search({ types: ['PlanDefinition'], where: [], sort: [], count: 1, offset: 0, total: 'none' });
  if (existing.versions.length > 0) return done({ written: 0, skipped: 'not-empty' });

  const resources = seedResources();
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
  };
  try {
    await dispatch(ctx, { method: 'POST', query: {}, headers: { prefer: 'return=minimal' }, body: bundle });
  } catch (err) {
    // Seed content the validator rejects is a bug in seed/: report it, and serve without the catalogue.
    if (!(err instanceof FhirError)) throw err;
    const issues = err.outcome.issue?.slice(0, 5);
    logger.error({ status: err.status, issues }, 'seed catalogue rejected; starting without it');
    return done({ written: 0, skipped: 'failed' });
  }
  return done({ written: resources.length });
}
