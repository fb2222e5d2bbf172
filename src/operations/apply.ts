import type { FhirContext } from '../fhir/context.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { parseApplyParams } from '../programmes/apply-params.js';
import { applyProgramme } from '../programmes/enrol.js';
import type { OperationDefinitionEntry } from './registry.js';

/**
 * PlanDefinition/$apply (http://hl7.org/fhir/R4/plandefinition-operation-apply.html): enrol a patient in a
 * programme. Instance level (`PlanDefinition/{id}/$apply`) or type level with `url`. POST persists the
 * enrolment and answers 201 with the CarePlan; GET, or `persist=false`, returns the transaction Bundle it
 * would write and stores nothing. See src/programmes/enrol.ts.
 */
export const applyOperation: OperationDefinitionEntry = {
  name: 'apply',
  definition: 'http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply',
  levels: ['type', 'instance'],
  resourceTypes: ['PlanDefinition'],
  methods: ['GET', 'POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    return applyProgramme(ctx, req.id, parseApplyParams(req, ctx.config.baseUrl));
  },
};
