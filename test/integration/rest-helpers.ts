import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { fhirFetch, type FhirResult } from '../support/server.js';

/** An identifier system private to one test run, so conditional criteria never collide. */
export const TEST_SYSTEM = `urn:forlob:test:${randomUUID()}`;

/** A fresh, unique identifier value. */
export function uniqueValue(prefix = 'v'): string {
  return `${prefix}-${randomUUID()}`;
}

export function patient(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { resourceType: 'Patient', active: true, name: [{ family: 'Jensen', given: ['Karen'] }], ...extra };
}

/** POST a resource and insist on 201; returns the created resource and response. */
export async function createResource(base: string, resource: Record<string, unknown>): Promise<{ id: string; res: FhirResult }> {
  const res = await fhirFetch(`${base}/${resource.resourceType as string}`, { method: 'POST', body: resource });
  expect(res.status, res.text).toBe(201);
  expect(typeof res.body?.id).toBe('string');
  return { id: res.body.id as string, res };
}

/** The body is an OperationOutcome with at least one issue of error or fatal severity. */
export function expectErrorOutcome(res: FhirResult): void {
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/fhir\+json/);
  expect(res.body?.resourceType, res.text).toBe('OperationOutcome');
  expect(Array.isArray(res.body.issue) && res.body.issue.length > 0).toBe(true);
  expect(res.body.issue.some((i: { severity: string }) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
}

/** The current version id of a resource, read over HTTP (fails the test if it is not readable). */
export async function currentVersion(base: string, type: string, id: string): Promise<string> {
  const res = await fhirFetch(`${base}/${type}/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body.meta.versionId as string;
}

/** Total number of versions ever recorded for a type (history total), to prove nothing was written. */
export async function historyTotal(base: string, type?: string): Promise<number> {
  const res = await fhirFetch(`${base}/${type ? `${type}/` : ''}_history?_count=1`);
  expect(res.status, res.text).toBe(200);
  return res.body.total as number;
}
