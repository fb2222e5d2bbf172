import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/errors.js';
import type { FhirRequest } from '../fhir/request.js';

/*
 * The parameters of PlanDefinition/$apply (R4 http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply), from
 * a Parameters body and/or the query: subject (a string `Patient/{id}` as R4 defines it; a valueReference is
 * accepted too), practitioner, organization, encounter; at type level `url` (canonical, optionally `|version`);
 * and `persist`, our extension (default true for POST; GET never writes). R4's other inputs (userType,
 * userLanguage, setting, …) are accepted and not used.
 */

export interface ApplyParams {
  patientId: string;
  /** `Practitioner/{id}` or `PractitionerRole/{id}`. */
  practitioner?: string;
  organization?: string;
  encounter?: string;
  /** Type level: the programme's canonical. */
  url?: string;
  persist: boolean;
}

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** One value of a parameter, as a string: value[x] of the Parameters entry, or the query value. */
function valueOf(p: ParametersParameter, name: string): string {
  const v =
    p.valueString ?? p.valueReference?.reference ?? p.valueUri ?? p.valueCanonical ?? p.valueUrl ?? p.valueCode ?? p.valueId ??
    (p.valueBoolean !== undefined ? String(p.valueBoolean) : undefined);
  if (typeof v !== 'string') badRequest(`Parameter "${name}" needs a string, reference or boolean value`, [`Parameters.parameter[${name}]`]);
  return v!;
}

function collect(req: FhirRequest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, value: string) => out.set(name, [...(out.get(name) ?? []), value]);
  for (const [name, values] of Object.entries(req.query)) if (!name.startsWith('_')) for (const v of values) add(name, v);
  if (req.body !== undefined) {
    const body = req.body as Parameters;
    if (!body || typeof body !== 'object' || body.resourceType !== 'Parameters') badRequest('The body of $apply must be a Parameters resource');
    if (body.parameter !== undefined && !Array.isArray(body.parameter)) badRequest('Parameters.parameter must be an array', ['Parameters.parameter']);
    for (const p of body.parameter ?? []) {
      if (!p || typeof p.name !== 'string') badRequest('Every parameter needs a name', ['Parameters.parameter']);
      if (p.name === 'planDefinition') badRequest('planDefinition by value is not supported: apply a stored programme by id or url');
      if (p.resource !== undefined) continue;
      add(p.name, valueOf(p, p.name));
    }
  }
  return out;
}

/** At most one value; `Type/id` of one of `types` when typed. */
function single(params: Map<string, string[]>, name: string, types?: string[]): string | undefined {
  const values = params.get(name);
  if (!values) return undefined;
  if (values.length > 1) badRequest(`$apply takes one ${name}, got ${values.length}`);
  const value = values[0].trim();
  if (types && !types.includes(REFERENCE.exec(value)?.[1] ?? ''))
    badRequest(`Parameter "${name}" must be a reference ${types.map((t) => `${t}/{id}`).join(' or ')}, got "${value}"`);
  return value;
}

export function parseApplyParams(req: FhirRequest, baseUrl: string): ApplyParams {
  const params = collect(req);
  // An absolute reference to this server is the same as a relative one.
  for (const [name, values] of params)
    if (name !== 'url') params.set(name, values.map((v) => (v.startsWith(`${baseUrl}/`) ? v.slice(baseUrl.length + 1) : v)));
  const subject = single(params, 'subject');
  if (!subject) badRequest('$apply needs a subject (Patient/{id})');
  const m = REFERENCE.exec(subject!);
  if (!m || m[1] !== 'Patient') badRequest(`subject must be Patient/{id} (only patients are enrolled), got "${subject}"`);
  const persistText = single(params, 'persist');
  if (persistText !== undefined && persistText !== 'true' && persistText !== 'false') badRequest(`persist must be true or false, got "${persistText}"`);
  const persist = req.method === 'POST' ? persistText !== 'false' : false;
  if (req.method === 'GET' && persistText === 'true') badRequest('GET $apply never writes: use POST to persist');
  const url = single(params, 'url');
  if (req.id !== undefined && url !== undefined) badRequest('url is for type-level $apply; the instance already names the programme');
  if (req.id === undefined && !url) badRequest('Type-level $apply needs a url (the programme canonical, optionally |version)');
  return {
    patientId: m![2],
    practitioner: single(params, 'practitioner', ['Practitioner', 'PractitionerRole']),
    organization: single(params, 'organization', ['Organization']),
    encounter: single(params, 'encounter', ['Encounter']),
    ...(url && { url }),
    persist,
  };
}
