import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/security/access-tokens.js';
import { authorize, needsOf } from '../../src/security/authorize.js';
import { grantScopes, parseScope, parseScopes, permits, ScopeError } from '../../src/security/scopes.js';
import { routeRequest } from '../../src/fhir/route.js';

describe('SMART scopes', () => {
  it('reads v2 letters and the v1 forms', () => {
    expect(parseScope('system/CarePlan.rs')).toEqual({ type: 'CarePlan', permissions: new Set(['r', 's']) });
    expect(parseScope('system/*.cruds')).toEqual({ type: '*', permissions: new Set(['c', 'r', 'u', 'd', 's']) });
    expect(parseScope('system/*.read')).toEqual({ type: '*', permissions: new Set(['r', 's']) });
    expect(parseScope('system/Patient.write')).toEqual({ type: 'Patient', permissions: new Set(['c', 'u', 'd']) });
    expect(parseScope('system/Task.*')).toEqual({ type: 'Task', permissions: new Set(['c', 'r', 'u', 'd', 's']) });
  });

  it('refuses what a backend client cannot hold, with the reason', () => {
    expect(() => parseScope('patient/Observation.rs')).toThrow(/system\/ scopes only/);
    expect(() => parseScope('system/Observation.sr')).toThrow(ScopeError); // letters out of order
    expect(() => parseScope('system/Observation.rr')).toThrow(ScopeError);
    expect(() => parseScope('system/Observation.rs?category=laboratory')).toThrow(/search parameters/);
    expect(() => parseScope("system/Patient.rs' OR 1=1")).toThrow(ScopeError);
    expect(() => parseScope('openid')).toThrow(ScopeError);
  });

  it('grants the requested scopes cut down to what the client may have', () => {
    expect(grantScopes('system/Patient.rs', 'system/*.cruds')).toBe('system/Patient.rs');
    expect(grantScopes('system/*.cruds', 'system/Patient.rs system/CarePlan.r')).toBe('system/Patient.rs system/CarePlan.r');
    expect(grantScopes('system/Observation.crud', 'system/Observation.rs')).toBe('system/Observation.r');
    expect(grantScopes(undefined, 'system/*.rs admin')).toBe('system/*.rs admin');
    expect(grantScopes('admin system/Patient.r', 'system/*.rs')).toBe('system/Patient.r');
    expect(() => grantScopes('system/Observation.c', 'system/Observation.rs')).toThrow(/None of the requested scopes/);
  });

  it('permits by type and letter', () => {
    const s = parseScopes('system/Patient.rs system/*.r');
    expect(permits(s, 'Patient', 's')).toBe(true);
    expect(permits(s, 'Observation', 'r')).toBe(true);
    expect(permits(s, 'Observation', 's')).toBe(false);
    expect(permits(s, 'Patient', 'u')).toBe(false);
  });
});

describe('what each interaction needs', () => {
  const req = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, query: Record<string, string[]> = {}) => routeRequest(method, path, query, {});
  const principal = (scope: string): Principal => ({ clientId: 'c', organization: 'Organization/o', scopes: parseScopes(scope), scope, expiresAt: 0 });

  it('maps the RESTful interactions to c r u d s', () => {
    expect(needsOf(req('GET', 'Patient/1'))).toEqual([{ type: 'Patient', permission: 'r' }]);
    expect(needsOf(req('GET', 'Patient'))).toEqual([{ type: 'Patient', permission: 's' }]);
    expect(needsOf(req('POST', 'Observation'))).toEqual([{ type: 'Observation', permission: 'c' }]);
    expect(needsOf(req('PUT', 'Observation/1'))).toEqual([{ type: 'Observation', permission: 'u' }]);
    expect(needsOf(req('PATCH', 'Observation/1'))).toEqual([{ type: 'Observation', permission: 'u' }]);
    expect(needsOf(req('DELETE', 'Observation/1'))).toEqual([{ type: 'Observation', permission: 'd' }]);
    expect(needsOf(req('GET', 'Observation/1/_history'))).toEqual([{ type: 'Observation', permission: 'r' }]);
    expect(needsOf(req('GET', 'Patient/1/Observation'))).toEqual([{ type: 'Observation', permission: 's' }]);
    expect(needsOf(req('GET', 'metadata'))).toEqual([]);
    expect(needsOf(req('POST', 'CarePlan/1/$event'))).toEqual([{ type: 'CarePlan', permission: 'u' }]);
    expect(needsOf(req('POST', '$advance-clock'))).toEqual(['admin']);
  });

  it('answers 403 with what is missing; definitions are readable by all, writable by admins', () => {
    const gp = principal('system/Patient.rs system/Observation.cruds');
    expect(() => authorize(gp, req('GET', 'Patient/1'))).not.toThrow();
    expect(() => authorize(gp, req('POST', 'Patient'))).toThrow(/system\/Patient\.c is needed/);
    expect(() => authorize(gp, req('GET', 'CarePlan'))).toThrow(/do not allow search on CarePlan/);
    expect(() => authorize(gp, req('GET', 'PlanDefinition'))).not.toThrow();
    expect(() => authorize(gp, req('PUT', 'PlanDefinition/x'))).toThrow(/needs the admin scope/);
    expect(() => authorize(principal('system/*.cruds admin'), req('PUT', 'PlanDefinition/x'))).not.toThrow();
    expect(() => authorize(gp, req('POST', 'Patient/1/$everything'))).toThrow(/every resource type/);
    try {
      authorize(gp, req('DELETE', 'Observation/1'));
      authorize(gp, req('DELETE', 'Patient/1'));
      expect.unreachable();
    } catch (err: any) {
      expect(err.status).toBe(403);
      expect(err.outcome.issue[0].code).toBe('forbidden');
    }
  });
});
