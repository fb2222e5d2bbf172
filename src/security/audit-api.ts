import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { badRequest, fail, notFound } from '../fhir/errors.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { dateRange } from '../search/normalize.js';
import type { AuditQuery, AuditRow } from '../store/audit-types.js';
import { endpointsFor } from './token-service.js';

/*
 * The audit trail as FHIR AuditEvents (after the IHE Basic Audit Log Patterns): read and search
 * (`patient`, `date`, `_count`, `_offset`), built from the audit rows; never written through the API.
 */

const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

export async function auditInteraction(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  if (req.method !== 'GET' || req.history || req.operation !== undefined)
    fail(405, 'not-supported', 'AuditEvents are written by the server alone; they can be read and searched, not changed');
  if (req.id !== undefined) {
    const seq = /^[1-9][0-9]{0,15}$/.test(req.id) ? Number(req.id) : undefined;
    const row = seq === undefined ? undefined : await ctx.store.audit.get(seq);
    if (!row) notFound(`AuditEvent/${req.id} not found`);
    return { status: 200, body: auditEvent(row!, ctx.config.baseUrl) };
  }
  const q = auditQuery(req, ctx.config.defaultCount, ctx.config.maxCount);
  const { rows, total } = await ctx.store.audit.search(q);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: [{ relation: 'self', url: `${ctx.config.baseUrl}/AuditEvent` }],
    entry: rows.map((r) => ({ fullUrl: `${ctx.config.baseUrl}/AuditEvent/${r.seq}`, resource: auditEvent(r, ctx.config.baseUrl), search: { mode: 'match' } })),
  };
  return { status: 200, body: bundle };
}

function auditQuery(req: FhirRequest, defaultCount: number, maxCount: number): AuditQuery {
  const q: AuditQuery = { count: defaultCount, offset: 0 };
  for (const [name, values] of Object.entries(req.query)) {
    for (const value of values) {
      if (name === 'patient') q.patient = value.includes('/') ? value : `Patient/${value}`;
      else if (name === 'date') dateBound(q, value);
      else if (name === '_count') q.count = Math.min(nonNegative(name, value), maxCount);
      else if (name === '_offset') q.offset = nonNegative(name, value);
      else if (name !== '_format' && name !== '_pretty') badRequest(`AuditEvent search supports patient, date, _count and _offset, not "${name}"`);
    }
  }
  return q;
}

function dateBound(q: AuditQuery, value: string): void {
  const m = /^(eq|ge|gt|le|lt)?(.+)$/.exec(value)!;
  const range = dateRange(m[2]);
  if (!range) badRequest(`Invalid date "${value}"`);
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (m[1] ?? 'eq') {
    case 'ge': q.from = iso(range!.lo); break;
    case 'gt': q.from = iso(range!.hi); break;
    case 'lt': q.to = iso(range!.lo); break;
    case 'le': q.to = iso(range!.hi); break;
    default: q.from = iso(range!.lo); q.to = iso(range!.hi);
  }
}

function nonNegative(name: string, value: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) badRequest(`${name} must be a non-negative integer`);
  return Number(value);
}

export function auditEvent(row: AuditRow, baseUrl: string): AuditEvent {
  const clients = `${endpointsFor(baseUrl).issuer}/oauth2/clients`;
  const what = row.resourceType ? `${row.resourceType}${row.resourceId ? `/${row.resourceId}` : ''}` : undefined;
  return {
    resourceType: 'AuditEvent',
    id: String(row.seq),
    meta: { versionId: '1', lastUpdated: row.recorded },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: RESTFUL, code: row.subtype }],
    action: row.action,
    recorded: row.recorded,
    outcome: String(row.outcome) as AuditEvent['outcome'],
    outcomeDesc: `HTTP ${row.status}`,
    agent: [
      { requestor: true, who: row.clientId ? { identifier: { system: clients, value: row.clientId } } : { display: 'unauthenticated client' } },
      ...(row.organization ? [{ requestor: false, who: { reference: row.organization } }] : []),
    ],
    source: { observer: { display: 'Forløb FHIR server' } },
    entity: [
      ...(row.patient ? [{ what: { reference: row.patient }, role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } }] : []),
      ...(what && what !== row.patient ? [{ what: what.includes('/') ? { reference: what } : { display: what } }] : []),
      ...(row.detail ? [{ description: row.detail }] : []),
    ],
  };
}
