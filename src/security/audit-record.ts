import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import type { AuditRow } from '../store/audit-types.js';
import type { Principal } from './access-tokens.js';

/*
 * One audit row for one FHIR request (pure): who (client, organisation), what (interaction, resource,
 * the patient whose data it touched when that can be told without parsing a result), when, outcome.
 */

const PATIENT_IN_JSON = /"(?:subject|patient|for|beneficiary)":\{"reference":"(Patient\/[A-Za-z0-9\-.]{1,64})"/;
const PATIENT_REF = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

export function auditRowFor(principal: Principal | undefined, req: FhirRequest | undefined, path: string, status: number, out?: FhirResponse): AuditRow {
  // A request refused before it was routed (no valid token): what its path names.
  const [segType, segId] = req ? [] : path.split('/').filter(Boolean);
  const type = req ? req.resourceType : segType;
  const { subtype, action } = interaction(req);
  const id = req ? (req.id ?? (req.method === 'POST' && !req.operation ? out?.id : undefined)) : segId && FHIR_ID.test(segId) ? segId : undefined;
  // One shape for every row, absent fields undefined (JSON leaves them out): no spread per request.
  return {
    recorded: new Date().toISOString(),
    clientId: principal?.clientId,
    organization: principal?.organization,
    action,
    subtype,
    resourceType: type && RESOURCE_TYPE.test(type) ? type : undefined,
    resourceId: id || undefined,
    patient: patientOf(req, type, id, out),
    outcome: status >= 500 ? 8 : status >= 400 ? 4 : 0,
    status,
    detail: req?.operation ? `$${req.operation}` : subtype.startsWith('search') ? queryText(req!) : undefined,
  };
}

function interaction(req: FhirRequest | undefined): { subtype: string; action: AuditRow['action'] } {
  if (!req) return { subtype: 'unknown', action: 'E' };
  if (req.operation !== undefined) return { subtype: 'operation', action: 'E' };
  if (req.history) return { subtype: req.id ? 'history-instance' : req.resourceType ? 'history-type' : 'history-system', action: 'R' };
  if (req.versionId !== undefined) return { subtype: 'vread', action: 'R' };
  if (req.search || req.compartment || (req.method === 'GET' && req.id === undefined)) return { subtype: req.resourceType ? 'search-type' : 'search-system', action: 'R' };
  switch (req.method) {
    case 'GET':
      return { subtype: 'read', action: 'R' };
    case 'POST':
      return req.resourceType ? { subtype: 'create', action: 'C' } : { subtype: 'batch', action: 'E' };
    case 'PUT':
      return { subtype: 'update', action: 'U' };
    case 'PATCH':
      return { subtype: 'patch', action: 'U' };
    case 'DELETE':
      return { subtype: 'delete', action: 'D' };
  }
}

function patientOf(req: FhirRequest | undefined, type: string | undefined, id: string | undefined, out?: FhirResponse): string | undefined {
  if (type === 'Patient' && id) return `Patient/${id}`;
  if (req?.compartment?.type === 'Patient') return `Patient/${req.compartment.id}`;
  for (const name of ['subject', 'patient', 'subject:Patient']) {
    const v = req?.query[name]?.[0];
    if (v && PATIENT_REF.test(v)) return v;
    if (v && name === 'patient' && FHIR_ID.test(v)) return `Patient/${v}`;
  }
  const applied = (req?.body as { parameter?: { name?: string; valueString?: string }[] } | undefined)?.parameter?.find((p) => p.name === 'subject')?.valueString;
  if (req?.operation === 'apply' && applied && PATIENT_REF.test(applied)) return applied;
  // A single resource read or written: its subject, as stored (no parse of the JSON).
  const text = out?.json ?? (out?.body && out.body.resourceType !== 'Bundle' && out.body.resourceType !== 'OperationOutcome' ? JSON.stringify(out.body) : undefined);
  const m = text && !text.startsWith('{"resourceType":"Bundle"') ? PATIENT_IN_JSON.exec(text) : undefined;
  return m?.[1];
}

function queryText(req: FhirRequest): string {
  const q = new URLSearchParams();
  for (const [k, vs] of Object.entries(req.query)) for (const v of vs) q.append(k, v);
  return q.toString().slice(0, 2000);
}
