import type { Condition, ReferenceMatch } from '../search/plan.js';
import { patientCompartmentParams } from '../fhir/compartment.js';
import type { Principal } from './access-tokens.js';

/*
 * Who may see a patient's data (pure logic): a client whose organisation is involved in the patient's care —
 * the patient's general practitioner; a participant of an active CareTeam or the managing organisation of
 * an active EpisodeOfCare of the patient; the requester or performer of an open ServiceRequest, or the
 * requester or owner of an open Task, for the patient. Except for the EpisodeOfCare (whose managing
 * organisation is an Organization), a PractitionerRole of the organisation counts as the organisation. The rule is a search condition, added to every
 * query a non-admin client's request makes, so paging and totals count only what the client may see.
 * Resources outside the Patient compartment are not patient data: readable by every authenticated client
 * (their writes are guarded by scopes and, for definitions, the admin scope: authorize.ts).
 */

const OPEN_SERVICE_REQUEST = ['draft', 'active', 'on-hold'];
const OPEN_TASK = ['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'];
/** Readable by admin clients only, whatever else holds. */
const ADMIN_ONLY = new Set(['AuditEvent']);

/** The access of a principal to resources of a type: everything, nothing, or those matching a condition. */
export type Access = { kind: 'all' } | { kind: 'none' } | { kind: 'where'; condition: Condition };

export function accessTo(principal: Principal, type: string): Access {
  if (principal.scopes.admin) return { kind: 'all' };
  if (ADMIN_ONLY.has(type)) return { kind: 'none' };
  const m = /^Organization\/([A-Za-z0-9\-.]{1,64})$/.exec(principal.organization);
  if (!m) return { kind: 'none' };
  const involved = involvedPatient(m[1]);
  if (type === 'Patient') return { kind: 'where', condition: involved };
  const params = patientCompartmentParams().get(type);
  if (!params) return { kind: 'all' };
  return {
    kind: 'where',
    condition: { kind: 'anyOf', alternatives: params.map((code) => ({ kind: 'chain', code, targetTypes: ['Patient'], where: [involved] })) },
  };
}

/** The condition "this Patient's care involves Organization/orgId". */
export function involvedPatient(orgId: string): Condition {
  const org: ReferenceMatch = { targetType: 'Organization', targetId: orgId };
  const orgRef = (code: string): Condition => ({ kind: 'reference', code, any: [org] });
  // The organisation itself, or one of its PractitionerRoles (a GP, a CareTeam member, a Task owner
  // is often the person in their role rather than the organisation).
  const ref = (code: string): Condition => ({
    kind: 'anyOf',
    alternatives: [orgRef(code), { kind: 'chain', code, targetTypes: ['PractitionerRole'], where: [orgRef('organization')] }],
  });
  const status = (values: string[]): Condition => ({ kind: 'token', code: 'status', any: values.map((value) => ({ value })) });
  return {
    kind: 'anyOf',
    alternatives: [
      ref('general-practitioner'),
      { kind: 'has', sourceType: 'CareTeam', code: 'subject', where: [status(['active']), ref('participant')] },
      { kind: 'has', sourceType: 'EpisodeOfCare', code: 'patient', where: [status(['active']), orgRef('organization')] },
      { kind: 'has', sourceType: 'ServiceRequest', code: 'subject', where: [status(OPEN_SERVICE_REQUEST), { kind: 'anyOf', alternatives: [ref('requester'), ref('performer')] }] },
      { kind: 'has', sourceType: 'Task', code: 'patient', where: [status(OPEN_TASK), { kind: 'anyOf', alternatives: [ref('requester'), ref('owner')] }] },
    ],
  };
}
