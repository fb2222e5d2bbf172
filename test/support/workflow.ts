import { fhirFetch, type FhirResult } from './server.js';

/* Talking to the workflow API over HTTP the way a client would: $event, $workflow, $advance-clock. */

export type EventData = Record<string, string | boolean | string[]>;

/** Event data as Parameters: a reference-typed value as valueReference, booleans as valueBoolean, lists repeated. */
export function eventParameters(type: string, data: EventData = {}, by?: string) {
  const parameter: Record<string, unknown>[] = [{ name: 'event', valueCode: type }];
  for (const [name, value] of Object.entries(data)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'boolean') parameter.push({ name, valueBoolean: v });
      else if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/.test(v)) parameter.push({ name, valueReference: { reference: v } });
      else parameter.push({ name, valueString: v });
    }
  }
  if (by) parameter.push({ name: 'by', valueReference: { reference: by } });
  return { resourceType: 'Parameters', parameter };
}

export function sendEvent(base: string, carePlanId: string, type: string, data: EventData = {}, options: { by?: string; headers?: Record<string, string> } = {}): Promise<FhirResult> {
  return fhirFetch(`${base}/CarePlan/${carePlanId}/$event`, { method: 'POST', body: eventParameters(type, data, options.by), headers: options.headers });
}

export interface WorkflowView {
  machine: string;
  version: string;
  status: string;
  states: string[];
  allowed: string[];
  timers: { id: string; event: string; due: string }[];
  history: { event: string; data?: Record<string, unknown>; from: string; to: string; at: string; by?: string; provenance?: string }[];
  context: Record<string, unknown>;
  carePlan?: any;
}

const part = (p: any, name: string) => p.part?.find((x: any) => x.name === name);
const value = (p: any) => (p ? (p.valueString ?? p.valueCode ?? p.valueDateTime ?? p.valueInstant ?? p.valueReference?.reference ?? p.valueInteger ?? p.valueBoolean) : undefined);

/** A $workflow / $event Parameters body, read. */
export function readWorkflow(body: any): WorkflowView {
  const ps: any[] = body.parameter ?? [];
  const all = (name: string) => ps.filter((p) => p.name === name);
  return {
    machine: value(all('machine')[0]),
    version: value(all('version')[0]),
    status: value(all('status')[0]),
    states: all('state').map(value),
    allowed: all('allowedEvent').map((p) => value(part(p, 'event'))),
    timers: all('timer').map((p) => ({ id: value(part(p, 'id')), event: value(part(p, 'event')), due: value(part(p, 'due')) })),
    history: all('transition').map((p) => ({
      event: value(part(p, 'event')), data: part(p, 'data') && JSON.parse(value(part(p, 'data'))), from: value(part(p, 'from')), to: value(part(p, 'to')), at: value(part(p, 'at')),
      by: value(part(p, 'by')), provenance: value(part(p, 'provenance')),
    })),
    context: JSON.parse(value(all('context')[0]) ?? '{}'),
    carePlan: all('return')[0]?.resource,
  };
}

export async function workflowOf(base: string, carePlanId: string): Promise<WorkflowView> {
  const res = await fhirFetch(`${base}/CarePlan/${carePlanId}/$workflow`);
  if (res.status !== 200) throw new Error(`$workflow ${res.status}: ${res.text}`);
  return readWorkflow(res.body);
}

export async function advanceClock(base: string, by: string): Promise<{ now: string; fired: string[] }> {
  const res = await fhirFetch(`${base}/$advance-clock`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'by', valueString: by }] } });
  if (res.status !== 200) throw new Error(`$advance-clock ${res.status}: ${res.text}`);
  const ps: any[] = res.body.parameter;
  return { now: ps.find((p) => p.name === 'now').valueInstant, fired: ps.filter((p) => p.name === 'fired').map((p) => value(part(p, 'event'))) };
}

/** The resources a search returns. */
export async function search(base: string, query: string): Promise<any[]> {
  const res = await fhirFetch(`${base}/${query}`);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
  return (res.body.entry ?? []).map((e: any) => e.resource);
}
