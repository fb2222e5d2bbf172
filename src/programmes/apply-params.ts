import { badRequest } from '../fhir/errors.js';
import { collectParameters } from '../fhir/parameters.js';
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
  /**
   * Our extension: `programme` (default) — the programme's inclusion rules screened the referral, so the course
   * waits for consent; `clinician` — the course waits in referral for a clinician's SCREENED event.
   */
  screening: 'programme' | 'clinician';
}

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

function collect(req: FhirRequest): Map<string, string[]> {
  return collectParameters(req, 'apply', (p) => {
    if (p.name === 'planDefinition') badRequest('planDefinition by value is not supported: apply a stored programme by id or url');
    return false;
  });
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
    screening: screeningOf(single(params, 'screening')),
  };
}

function screeningOf(value: string | undefined): ApplyParams['screening'] {
  if (value === undefined || value === 'programme') return 'programme';
  if (value === 'clinician') return 'clinician';
  badRequest(`screening must be "programme" or "clinician", got "${value}"`);
}
