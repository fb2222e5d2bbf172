/*
 * SMART on FHIR scopes for backend services (pure logic): `system/<Type|*>.<cruds>` in v2 form, and the
 * v1 forms `.read`, `.write`, `.*`, which mean rs, cud and cruds. Only the `system/` context: a backend
 * client acts for its organisation, not for a patient or a user. `admin` is this server's own scope for
 * administration (clients, keys, conformance and programme definitions).
 */

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const ORDER: Permission[] = ['c', 'r', 'u', 'd', 's'];
const V1: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
export const ADMIN_SCOPE = 'admin';

export interface ResourceScope {
  /** A resource type, or `*` for all. */
  type: string;
  permissions: ReadonlySet<Permission>;
}

export interface Scopes {
  resources: ResourceScope[];
  admin: boolean;
}

export class ScopeError extends Error {}

/** One scope, or ScopeError saying why it is not one this server grants. */
export function parseScope(text: string): ResourceScope | typeof ADMIN_SCOPE {
  if (text === ADMIN_SCOPE) return ADMIN_SCOPE;
  const m = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(text);
  if (!m) throw new ScopeError(`"${text}" is not a SMART scope (system/<Type>.<cruds>, e.g. system/CarePlan.rs)`);
  const [, context, type, perms, query] = m;
  if (context !== 'system') throw new ScopeError(`"${text}": this server issues system/ scopes only (SMART Backend Services)`);
  if (query) throw new ScopeError(`"${text}": scopes restricted by search parameters are not supported`);
  const permissions = V1[perms] ?? v2Permissions(perms, text);
  return { type, permissions: new Set(permissions) };
}

function v2Permissions(perms: string, text: string): Permission[] {
  // v2 letters appear at most once each, in the order c r u d s.
  let at = 0;
  const out: Permission[] = [];
  for (const ch of perms) {
    const i = ORDER.indexOf(ch as Permission, at);
    if (i < 0) throw new ScopeError(`"${text}": permissions must be letters of "cruds" in that order, or read / write / *`);
    out.push(ORDER[i]);
    at = i + 1;
  }
  return out;
}

/** A space-separated scope string, parsed (ScopeError on the first invalid scope). */
export function parseScopes(text: string): Scopes {
  const resources: ResourceScope[] = [];
  let admin = false;
  for (const s of text.split(/\s+/).filter(Boolean)) {
    const scope = parseScope(s);
    if (scope === ADMIN_SCOPE) admin = true;
    else resources.push(scope);
  }
  return { resources, admin };
}

export function formatScope(scope: ResourceScope): string {
  return `system/${scope.type}.${ORDER.filter((p) => scope.permissions.has(p)).join('')}`;
}

/**
 * The scopes a token gets: each requested scope cut down to what the client is allowed (a request for
 * `system/*.cruds` by a client allowed `system/Patient.rs` gets `system/Patient.rs`). Without a request,
 * everything allowed. ScopeError when nothing of the request is allowed.
 */
export function grantScopes(requested: string | undefined, allowed: string): string {
  const may = parseScopes(allowed);
  const want = requested === undefined || requested.trim() === '' ? may : parseScopes(requested);
  const out = new Set<string>();
  for (const r of want.resources) {
    for (const a of may.resources) {
      if (r.type !== '*' && a.type !== '*' && r.type !== a.type) continue;
      const permissions = new Set([...r.permissions].filter((p) => a.permissions.has(p)));
      if (permissions.size) out.add(formatScope({ type: r.type === '*' ? a.type : r.type, permissions }));
    }
  }
  if (want.admin && may.admin) out.add(ADMIN_SCOPE);
  if (out.size === 0) throw new ScopeError(`None of the requested scopes (${requested}) is allowed for this client`);
  return [...out].join(' ');
}

/** Whether `scopes` allow `permission` on resources of `type`. */
export function permits(scopes: Scopes, type: string, permission: Permission): boolean {
  return scopes.resources.some((s) => (s.type === '*' || s.type === type) && s.permissions.has(permission));
}
