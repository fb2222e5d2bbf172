import type { Bundle, CarePlan, Encounter, OperationOutcome, OperationOutcomeIssue, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { processBundle } from '../fhir/bundle.js';
import type { StartFacts } from '../../workflows/machine-definition.js';
import { inTransaction, type FhirContext, type TxContext } from '../fhir/context.js';
import { FhirError, badRequest, conflict, unprocessable } from '../fhir/errors.js';
import type { FhirResponse } from '../fhir/request.js';
import { stripVersion } from '../validation/terminology.js';
import { startWorkflow } from '../workflow/engine.js';
import type { ApplyParams } from './apply-params.js';
import { resolveActors } from './care-actors.js';
import { Terminology, UnsupportedValueSet } from './codes.js';
import { evaluateEligibility, type EligibilityResult } from './eligibility.js';
import type { Ref } from './model.js';
import { openEnrolments, enrolledIn, gatherPatientData } from './patient-data.js';
import { buildApplyBundle } from './plan-builder.js';
import { pinnedCanonical } from './plan-actions.js';
import { compileProgramme } from './programme-compile.js';
import { catalogueInclusions, loadActivityDefinitions, loadValueSets, programmeByCanonical, programmeById } from './programme-store.js';
import { readReference } from './store-search.js';
import { danishDate } from './schedule.js';
import { selectStratum, stratumInputs } from './strata.js';

/*
 * Enrolment of a patient in a programme ($apply): resolve the programme and the patient, refuse what cannot be
 * applied (retired 422, already enrolled 409, not eligible 422), stratify, build the transaction Bundle, and —
 * when persisting — write it through the transaction processor inside the same store transaction as the checks,
 * so two concurrent enrolments cannot both pass the "already enrolled" check and a failure writes nothing.
 */

export async function applyProgramme(ctx: FhirContext, planId: string | undefined, params: ApplyParams): Promise<FhirResponse> {
  if (!params.persist) return { status: 200, body: (await prepare(ctx, planId, params)).bundle };
  return inTransaction(ctx, async (tx) => persist(tx, await prepare(tx, planId, params), params));
}

interface Prepared {
  bundle: Bundle;
  plan: PlanDefinition;
  facts: StartFacts;
}

async function prepare(ctx: FhirContext, planId: string | undefined, params: ApplyParams): Promise<Prepared> {
  const plan = planId !== undefined ? await programmeById(ctx, planId) : await programmeByCanonical(ctx, params.url!);
  // Retired content stays readable but is a business rule violation to apply (422, not a version conflict).
  if (plan.status === 'retired') unprocessable(`${pinnedCanonical(plan)} is retired and cannot be applied`, ['PlanDefinition.status']);
  const compiled = compileProgramme(plan);
  const now = ctx.now();
  const data = await gatherPatientData(ctx, params.patientId, danishDate(now));
  const enrolled = (await openEnrolments(ctx, params.patientId)).find((e) => enrolledIn(e) === stripVersion(plan.url!));
  if (enrolled) conflict(`Patient/${params.patientId} is already enrolled in ${plan.url} (EpisodeOfCare/${enrolled.id})`);
  const refs = await checkReferences(ctx, params);

  const catalogue = [...new Set([...(await catalogueInclusions(ctx)), ...compiled.inclusion.map(stripVersion)])];
  const own = await loadValueSets(ctx, compiled.valueSets, true);
  const others = await loadValueSets(ctx, catalogue.filter((u) => !own.some((v) => stripVersion(v.url!) === u)), false);
  const terminology = new Terminology([...own, ...others]);
  const evaluated = withValueSetErrors(() => {
    const eligibility = evaluateEligibility(compiled.inclusion, compiled.enrolment, data, terminology);
    if (!eligibility.eligible) throw new FhirError(422, notEligible(plan, params.patientId, eligibility));
    const inputs = stratumInputs(data, catalogue.filter((u) => terminology.usable(u)), terminology);
    return { eligibility, stratum: selectStratum(compiled.strata, data, inputs, terminology) };
  });

  const bundle = buildApplyBundle({
    plan,
    activities: await loadActivityDefinitions(ctx, plan),
    data,
    ...evaluated,
    actors: await resolveActors(ctx, data.patient, { organization: refs.organization, encounter: refs.encounter }, now),
    practitioner: refs.practitioner,
    organization: refs.organization,
    encounter: refs.encounter && { reference: `Encounter/${refs.encounter.id}` },
    now,
  });
  const basis = compiled.inclusion.length
    ? codesOf(evaluated.eligibility.evidence)
    : // A group defined by recorded parameters (frail elderly): the parameters that hold.
      codesOf(data.observations.filter((o) => o.valueBoolean === true && compiled.valueSets.some((u) => terminology.usable(u) && terminology.memberOf(u, o.code))));
  const stratum = evaluated.stratum?.stratum;
  return { bundle, plan, facts: { ...(isStratum(stratum) && { initialStratum: stratum }), ...(basis.length && { basis }) } };
}

const codesOf = (resources: { code?: { coding?: { code?: string }[] } }[]) =>
  [...new Set(resources.flatMap((r) => r.code?.coding?.map((x) => x.code).filter((x): x is string => !!x) ?? []))];

const isStratum = (s: string | undefined): s is NonNullable<StartFacts['initialStratum']> => s === '1' || s === '2' || s === '3' || s === '4';

/** Value set content the matcher cannot evaluate is the programme's fault: 422 naming it. */
function withValueSetErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UnsupportedValueSet) unprocessable(err.message);
    throw err;
  }
}

/** The practitioner, organization and encounter parameters must name stored resources; the encounter the patient's. */
async function checkReferences(ctx: FhirContext, params: ApplyParams): Promise<{ practitioner?: Ref; organization?: Ref; encounter?: Encounter }> {
  for (const name of ['practitioner', 'organization'] as const) {
    if (params[name] && !(await readReference(ctx, params[name]))) badRequest(`${name}: ${params[name]} does not exist`);
  }
  let encounter: Encounter | undefined;
  if (params.encounter) {
    encounter = await readReference<Encounter>(ctx, params.encounter);
    if (!encounter) badRequest(`encounter: ${params.encounter} does not exist`);
    if (encounter!.subject?.reference !== `Patient/${params.patientId}`) badRequest(`encounter: ${params.encounter} is not an encounter of Patient/${params.patientId}`);
  }
  return {
    ...(params.practitioner && { practitioner: { reference: params.practitioner } }),
    ...(params.organization && { organization: { reference: params.organization } }),
    ...(encounter && { encounter }),
  };
}

function notEligible(plan: PlanDefinition, patientId: string, result: EligibilityResult): OperationOutcome {
  const issues: OperationOutcomeIssue[] = result.failures.map((f) => ({
    severity: 'error',
    code: 'business-rule',
    details: { text: f.name },
    diagnostics: f.matches.length
      ? `${f.description} Matched: ${f.matches.map((c) => `Condition/${c.id} (${c.code?.coding?.map((x) => x.code).join(', ') ?? c.code?.text ?? ''})`).join('; ')}`
      : f.description,
    expression: [f.path],
  }));
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'business-rule', diagnostics: `Patient/${patientId} is not eligible for ${plan.title ?? plan.url} (${pinnedCanonical(plan)})` }, ...issues],
  };
}

/**
 * Write the Bundle in the open transaction, start the programme's workflow on the CarePlan (screened by the
 * programme's rules unless a clinician is to screen), and answer with the CarePlan as the workflow left it.
 */
async function persist(ctx: TxContext, { bundle, plan, facts }: Prepared, params: ApplyParams): Promise<FhirResponse> {
  let response: FhirResponse;
  try {
    response = await processBundle(ctx, { method: 'POST', query: {}, headers: {}, body: bundle });
  } catch (err) {
    // A resource the programme's content made invalid is not the client's error: 422, and nothing is written.
    if (err instanceof FhirError && err.status === 400)
      throw new FhirError(422, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'processing', diagnostics: 'Applying the programme produced a resource the server refuses; nothing was written' }, ...(err.outcome.issue ?? [])],
      });
    throw err;
  }
  const index = bundle.entry!.findIndex((e) => e.resource?.resourceType === 'CarePlan');
  const entry = (JSON.parse(response.json!) as Bundle).entry![index];
  const written = entry.resource as CarePlan & Resource;
  const stored = (await ctx.tx.readCurrent('CarePlan', written.id!))!;
  const by = params.practitioner ?? params.organization;
  const { carePlan } = await startWorkflow(ctx, stored, plan, facts, { screen: params.screening === 'programme', ...(by && { by }), agent: '$apply' });
  return {
    status: 201,
    body: carePlan,
    // The HTTP layer sets Location for plain writes only; an operation that creates says it itself.
    headers: { Location: `${ctx.config.baseUrl}/CarePlan/${carePlan.id}/_history/${carePlan.meta!.versionId}` },
    versionId: Number(carePlan.meta?.versionId),
    lastUpdated: carePlan.meta?.lastUpdated,
    resourceType: 'CarePlan',
    id: carePlan.id,
  };
}
