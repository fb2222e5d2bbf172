import type { Bundle, CarePlan, EpisodeOfCare, Extension, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { reader, type FhirContext } from '../fhir/context.js';
import { readCurrentOrFail } from '../fhir/read.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { EXT, isOpenRequest, isOpenTask } from '../programmes/model.js';
import { openEnrolments } from '../programmes/patient-data.js';
import { searchResources } from '../programmes/store-search.js';
import type { OperationDefinitionEntry } from './registry.js';

/** Task and ServiceRequest states in which someone still has to act. */

const episodeOf = (r: { extension?: Extension[] }) => r.extension?.find((e) => e.url === EXT.episodeOfCare)?.valueReference?.reference;

/**
 * Patient/{id}/$care-overview: one picture of the patient's care across programmes, for the patient and
 * every actor: the active enrolments (EpisodeOfCare), their CarePlans, CareTeams, Goals, stratification
 * Observations (CarePlan.supportingInfo) and the open Tasks and ServiceRequests of those plans. A collection
 * Bundle, the Patient first.
 */
export const careOverviewOperation: OperationDefinitionEntry = {
  name: 'care-overview',
  definition: 'https://forlob.dk/fhir/OperationDefinition/Patient-care-overview',
  levels: ['instance'],
  resourceTypes: ['Patient'],
  methods: ['GET'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const id = req.id!;
    const subject = [`Patient/${id}`];
    const patient = JSON.parse((await readCurrentOrFail(ctx, 'Patient', id)).json!) as Resource;
    const episodes = await openEnrolments(ctx, id);
    const episodeRefs = new Set(episodes.map((e) => `EpisodeOfCare/${e.id}`));
    const plans = (await searchResources<CarePlan>(ctx, 'CarePlan', { subject })).filter(
      (p) => p.status !== 'entered-in-error' && episodeRefs.has(episodeOf(p) ?? ''),
    );
    const planRefs = new Set(plans.map((p) => `CarePlan/${p.id}`));
    const ofPlans = (r: Task | ServiceRequest) => !!r.basedOn?.some((b) => planRefs.has(b.reference ?? '')) || episodeRefs.has(episodeOf(r) ?? '');
    const tasks = (await searchResources<Task>(ctx, 'Task', { patient: subject })).filter((t) => isOpenTask(t) && ofPlans(t));
    const requests = (await searchResources<ServiceRequest>(ctx, 'ServiceRequest', { subject })).filter((r) => isOpenRequest(r) && ofPlans(r));
    const linked = await readLinked(ctx, [
      ...episodes.flatMap((e: EpisodeOfCare) => e.team ?? []),
      ...plans.flatMap((p) => [...(p.careTeam ?? []), ...(p.goal ?? []), ...(p.supportingInfo ?? [])]),
    ].map((r) => r.reference ?? ''), ['CareTeam', 'Goal', 'Observation']);
    const resources: Resource[] = [patient, ...episodes, ...plans, ...linked, ...tasks, ...requests];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: ctx.now(),
      entry: resources.map((r) => ({ fullUrl: `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`, resource: r })),
    };
    return { status: 200, body: bundle };
  },
};

/** The referenced resources of the given types, each once, in type order. */
async function readLinked(ctx: FhirContext, references: string[], types: string[]): Promise<Resource[]> {
  const refs = [...new Set(references)]
    .map((r) => r.split('/'))
    .filter((p) => p.length === 2 && types.includes(p[0]))
    .map(([type, id]) => ({ type, id }));
  const found = (await reader(ctx).readMany(refs)).map((v) => JSON.parse(v.json!) as Resource);
  return found.sort((a, b) => types.indexOf(a.resourceType) - types.indexOf(b.resourceType));
}
