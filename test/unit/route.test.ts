import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { routeRequest } from '../../src/fhir/route.js';
import type { FhirRequest } from '../../src/fhir/request.js';

const route = (path: string, method: FhirRequest['method'] = 'GET', query: Record<string, string[]> = {}) => routeRequest(method, path, query, {});

/** What a route names, without the fields every request carries. */
function target(path: string, method: FhirRequest['method'] = 'GET') {
  const r = route(path, method);
  const named = { resourceType: r.resourceType, id: r.id, versionId: r.versionId, operation: r.operation, compartment: r.compartment, history: r.history, search: r.search };
  return Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined));
}

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
  return undefined;
}

describe('routeRequest', () => {
  it('tells every URL shape of the FHIR RESTful API apart', () => {
    expect(target('/')).toEqual({});
    expect(target('/metadata')).toEqual({ operation: 'metadata' });
    expect(target('/_history')).toEqual({ history: true });
    expect(target('/_search', 'POST')).toEqual({ search: true });
    expect(target('/$advance-clock', 'POST')).toEqual({ operation: 'advance-clock' });
    expect(target('/Patient')).toEqual({ resourceType: 'Patient' });
    expect(target('/Patient/_search', 'POST')).toEqual({ resourceType: 'Patient', search: true });
    expect(target('/Patient/_history')).toEqual({ resourceType: 'Patient', history: true });
    expect(target('/PlanDefinition/$apply', 'POST')).toEqual({ resourceType: 'PlanDefinition', operation: 'apply' });
    expect(target('/Patient/p1')).toEqual({ resourceType: 'Patient', id: 'p1' });
    expect(target('/Patient/p1/_history')).toEqual({ resourceType: 'Patient', id: 'p1', history: true });
    expect(target('/Patient/p1/$everything')).toEqual({ resourceType: 'Patient', id: 'p1', operation: 'everything' });
    expect(target('/Patient/p1/Observation')).toEqual({ resourceType: 'Observation', compartment: { type: 'Patient', id: 'p1' } });
    expect(target('/Patient/p1/_history/3')).toEqual({ resourceType: 'Patient', id: 'p1', versionId: '3' });
    expect(target('/Patient/p1/Observation/_search', 'POST')).toEqual({ resourceType: 'Observation', compartment: { type: 'Patient', id: 'p1' }, search: true });
  });

  it('ignores empty segments, decodes percent-escapes, and takes a lone $ for an id, not an operation', () => {
    expect(target('//Patient//p1/')).toEqual({ resourceType: 'Patient', id: 'p1' });
    expect(target('/Patient/a%2Eb')).toEqual({ resourceType: 'Patient', id: 'a.b' });
    expect(target('/Patient/$')).toEqual({ resourceType: 'Patient', id: '$' });
  });

  it('keeps method, query, headers and body on the request', () => {
    const r = routeRequest('PUT', '/Patient/p1', { _format: ['json'] }, { ifMatch: 'W/"1"' }, { resourceType: 'Patient' }, 'application/fhir+json');
    expect(r).toMatchObject({ method: 'PUT', query: { _format: ['json'] }, headers: { ifMatch: 'W/"1"' }, body: { resourceType: 'Patient' }, contentType: 'application/fhir+json' });
  });

  it('answers 400 for a malformed escape or U+0000 in the path or the query, 404 for a path no interaction has', () => {
    expect(statusOf(() => route('/Patient/%E0%A4%A'))).toBe(400);
    expect(statusOf(() => route('/Patient/a%00b'))).toBe(400);
    expect(statusOf(() => route('/Patient/a\u0000b'))).toBe(400);
    expect(statusOf(() => route('/Patient', 'GET', { name: ['a\u0000'] }))).toBe(400);
    expect(statusOf(() => route('/Patient', 'GET', { 'na\u0000me': ['a'] }))).toBe(400);
    expect(statusOf(() => route('/Patient/p1/Observation/o1'))).toBe(404);
    expect(statusOf(() => route('/a/b/c/d/e'))).toBe(404);
  });
});
