import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from './errors.js';
import type { FhirRequest } from './request.js';

/*
 * An operation's input parameters as strings, the way FHIR allows them to arrive: in the query (GET, or POST
 * with a form) and/or as a Parameters body. Each value[x] becomes its string form (a reference its
 * `reference`, a boolean `true`/`false`); repetitions keep their order. `resource` parameters are left out.
 */

function valueOf(p: ParametersParameter, name: string): string {
  const v =
    p.valueString ?? p.valueReference?.reference ?? p.valueUri ?? p.valueCanonical ?? p.valueUrl ?? p.valueCode ?? p.valueId ??
    p.valueDateTime ?? p.valueInstant ?? p.valueDate ?? p.valueMarkdown ??
    (p.valueBoolean !== undefined ? String(p.valueBoolean) : undefined) ??
    (p.valueInteger !== undefined ? String(p.valueInteger) : undefined);
  if (typeof v !== 'string') badRequest(`Parameter "${name}" needs a string, code, reference, date or boolean value`, [`Parameters.parameter[${name}]`]);
  return v!;
}

/** The Parameters body of an operation, checked for shape; undefined when there is none. */
export function parametersBody(req: FhirRequest, operation: string): Parameters | undefined {
  if (req.body === undefined) return undefined;
  const body = req.body as Parameters;
  if (!body || typeof body !== 'object' || body.resourceType !== 'Parameters') badRequest(`The body of $${operation} must be a Parameters resource`);
  if (body.parameter !== undefined && !Array.isArray(body.parameter)) badRequest('Parameters.parameter must be an array', ['Parameters.parameter']);
  for (const p of body.parameter ?? []) if (!p || typeof p.name !== 'string') badRequest('Every parameter needs a name', ['Parameters.parameter']);
  return body;
}

/**
 * Name → values. Query names starting with `_` are FHIR's own (`_format`, …), not operation inputs. `skip`
 * names parameters the caller reads itself (e.g. a Duration or a resource).
 */
export function collectParameters(req: FhirRequest, operation: string, skip: (p: ParametersParameter) => boolean = () => false): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, value: string) => out.set(name, [...(out.get(name) ?? []), value]);
  for (const [name, values] of Object.entries(req.query)) if (!name.startsWith('_')) for (const v of values) add(name, v);
  for (const p of parametersBody(req, operation)?.parameter ?? []) {
    if (skip(p) || p.resource !== undefined) continue;
    add(p.name!, valueOf(p, p.name!));
  }
  return out;
}
