import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { compartmentCondition, patientCompartmentParams } from '../fhir/compartment.js';
import { reader, type FhirContext } from '../fhir/context.js';
import { badRequest } from '../fhir/errors.js';
import { readCurrentOrFail } from '../fhir/read.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import type { OperationDefinitionEntry } from './registry.js';

/** At most this many resources in one $everything answer; beyond it the client is told to search. */
const LIMIT = 10_000;

/**
 * Patient/{id}/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html): the patient
 * and every resource in its compartment, optionally limited by `_type` and `_since`.
 */
export const everythingOperation: OperationDefinitionEntry = {
  name: 'everything',
  definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
  levels: ['instance'],
  resourceTypes: ['Patient'],
  methods: ['GET', 'POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const id = req.id!;
    const patient = await readCurrentOrFail(ctx, 'Patient', id);
    const wanted = req.query._type?.flatMap((t) => t.split(',')).map((t) => t.trim());
    const since = req.query._since?.[0];
    if (since !== undefined && Number.isNaN(Date.parse(since))) badRequest(`_since must be an instant, got "${since}"`);
    const types = [...patientCompartmentParams().keys()].filter((t) => t !== 'Patient' && (!wanted || wanted.includes(t)));
    const entries: BundleEntry[] = [];
    const add = (json: string, type: string, rid: string) =>
      entries.push({ fullUrl: `${ctx.config.baseUrl}/${type}/${rid}`, resource: JSON.parse(json) as Resource, search: { mode: 'match' } });
    if (!wanted || wanted.includes('Patient')) add(patient.json!, 'Patient', id);
    for (const type of types) {
      const where = [compartmentCondition('Patient', id, type)];
      if (since) where.push({ kind: 'lastUpdated', ranges: [{ prefix: 'ge', lo: Date.parse(since), hi: Date.parse(since) + 1 }] });
      const page = await reader(ctx).search({ types: [type], where, sort: [], count: LIMIT - entries.length + 1, offset: 0, total: 'none' });
      for (const v of page.versions) add(v.json!, v.type, v.id);
      if (entries.length > LIMIT) badRequest(`The patient has more than ${LIMIT} resources; use search with paging instead`);
    }
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries };
    return { status: 200, body: bundle };
  },
};
