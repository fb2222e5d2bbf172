import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { badRequest } from '../fhir/errors.js';
import { readCurrentOrFail } from '../fhir/read.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { assertSupportedType, resourceBody } from '../fhir/resource-types.js';
import type { OperationDefinitionEntry } from './registry.js';

/**
 * $validate (http://hl7.org/fhir/R4/resource-operation-validate.html): type level with the resource
 * in the body (bare or as Parameters.resource), instance level for the stored resource.
 * Always 200 with an OperationOutcome; the issues say whether the resource is valid.
 */
export const validateOperation: OperationDefinitionEntry = {
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  levels: ['type', 'instance'],
  methods: ['GET', 'POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const type = req.resourceType!;
    assertSupportedType(type);
    let resource: Resource | undefined;
    let mode = req.query.mode?.[0];
    if (req.body !== undefined) {
      // Parameters is not a stored type, so it is recognised before resourceBody's type check.
      const body = req.body as Resource;
      if (isParameters(body) && type !== 'Parameters') {
        const parts = (body as Parameters).parameter;
        if (parts !== undefined && !Array.isArray(parts)) badRequest('Parameters.parameter must be an array', ['Parameters.parameter']);
        resource = parts?.find((p) => p?.name === 'resource')?.resource;
        mode = parts?.find((p) => p?.name === 'mode')?.valueCode ?? mode;
        if (!resource) badRequest('Parameters for $validate must contain a "resource" parameter');
      } else {
        resource = resourceBody(body);
      }
      resourceBody(resource, type);
    } else if (req.id !== undefined) {
      const stored = await readCurrentOrFail(ctx, type, req.id);
      resource = JSON.parse(stored.json!) as Resource;
    } else {
      badRequest('$validate needs a resource in the body, or an instance id');
    }
    if (mode === 'delete') {
      if (req.id !== undefined) await readCurrentOrFail({ ...ctx, tx: undefined }, type, req.id);
      return ok('The resource may be deleted');
    }
    const issues = ctx.validator.validate(resource!);
    if (issues.length === 0) return ok('No issues found: the resource is valid');
    return { status: 200, body: { resourceType: 'OperationOutcome', issue: issues } };
  },
};

function isParameters(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as Resource).resourceType === 'Parameters';
}

function ok(diagnostics: string): FhirResponse {
  return {
    status: 200,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics }] },
  };
}
