import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import { FhirError } from '../fhir/errors.js';
import type { Store } from '../store/types.js';
import { InvalidToken, issueAccessToken, verifyAccessToken, type Principal } from './access-tokens.js';
import { findClient, registerClient, RegistrationError, secretMatches, type AuthMethod, type ClientRecord } from './clients.js';
import { grantScopes, ScopeError } from './scopes.js';
import type { SigningKeys } from './signing-keys.js';

/*
 * The OAuth 2.0 side of SMART Backend Services: the client-credentials token endpoint with
 * client_secret_basic and private_key_jwt (RFC 7523 client assertions), RFC 7591 client registration
 * (admin only), key rotation, and checking the bearer token of every FHIR request.
 */

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Algorithms a client may sign its assertion with (SMART requires RS384 and ES384). */
export const ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'];
/** SMART: a client assertion expires at most five minutes after it is made. */
const MAX_ASSERTION_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;
/** Key prefix of remembered client-assertion jti among the store's once-only keys. */
const ASSERTION_KEY = 'client-assertion:';
/** Verified tokens remembered (oldest dropped first). */
const VERIFIED_CACHE = 10_000;

/** An OAuth error response (RFC 6749 §5.2): status, `error` code, description. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export interface TokenRequest {
  grantType?: string;
  scope?: string;
  authorization?: string;
  clientAssertionType?: string;
  clientAssertion?: string;
}

export interface Endpoints {
  issuer: string;
  token: string;
  register: string;
  jwks: string;
  /** The FHIR base: the audience of access tokens. */
  audience: string;
}

let endpoints: Endpoints | undefined;

/** The endpoints for a FHIR base URL (`…/fhir`): the server's root serves /oauth2 and /.well-known. */
export function endpointsFor(baseUrl: string): Endpoints {
  if (endpoints?.audience === baseUrl) return endpoints; // asked on every request: one base per server
  const root = baseUrl.replace(/\/fhir$/, '');
  endpoints = { issuer: root, token: `${root}/oauth2/token`, register: `${root}/oauth2/register`, jwks: `${root}/.well-known/jwks.json`, audience: baseUrl };
  return endpoints;
}

export class TokenService {
  /** When this node last removed the remembered jti of expired assertions (ms). */
  private prunedAt = 0;
  /** Tokens already verified, until they expire: a client sends the same one with every request. */
  private readonly verified = new Map<string, Principal>();

  constructor(
    private readonly store: Store,
    readonly keys: SigningKeys,
    private readonly ttlSeconds: number,
  ) {}

  async token(req: TokenRequest, endpoints: Endpoints): Promise<{ access_token: string; token_type: 'bearer'; expires_in: number; scope: string }> {
    if (!req.grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (req.grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported (SMART Backend Services)');
    const client = await this.authenticateClient(req, endpoints);
    let scope: string;
    try {
      scope = grantScopes(req.scope, client.scope);
    } catch (err) {
      if (err instanceof ScopeError) throw new OAuthError(400, 'invalid_scope', err.message);
      throw err;
    }
    const accessToken = await issueAccessToken(this.keys, client, scope, { issuer: endpoints.issuer, audience: endpoints.audience, ttlSeconds: this.ttlSeconds });
    return { access_token: accessToken, token_type: 'bearer', expires_in: this.ttlSeconds, scope };
  }

  private async authenticateClient(req: TokenRequest, endpoints: Endpoints): Promise<ClientRecord> {
    if (req.authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(req.authorization.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const basic = { 'www-authenticate': 'Basic realm="forlob"' };
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed Basic credentials', basic);
      const id = safeDecode(decoded.slice(0, colon));
      const secret = safeDecode(decoded.slice(colon + 1));
      const client = await findClient(this.store, id);
      if (!(await secretMatches(client, secret))) throw new OAuthError(401, 'invalid_client', 'Unknown client or wrong secret', basic);
      return client!;
    }
    if (req.clientAssertionType !== undefined || req.clientAssertion !== undefined) {
      if (req.clientAssertionType !== JWT_BEARER) throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
      if (!req.clientAssertion) throw new OAuthError(400, 'invalid_request', 'client_assertion is required');
      return this.verifyAssertion(req.clientAssertion, endpoints);
    }
    throw new OAuthError(401, 'invalid_client', 'No client authentication: use HTTP Basic (client_secret_basic) or a client assertion (private_key_jwt)');
  }

  private async verifyAssertion(assertion: string, endpoints: Endpoints): Promise<ClientRecord> {
    const rejected = (why: string) => new OAuthError(401, 'invalid_client', `Client assertion rejected: ${why}`);
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      throw rejected('not a JWT');
    }
    const client = typeof iss === 'string' ? await findClient(this.store, iss) : undefined;
    if (!client || client.authMethod !== 'private_key_jwt' || !client.jwks) throw rejected('unknown client, or one not registered for private_key_jwt');
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: endpoints.token,
        algorithms: ASSERTION_ALGS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      throw rejected(err instanceof errors.JWTExpired ? 'expired' : err instanceof errors.JOSEError ? err.code : 'invalid');
    }
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! > now + MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS) throw rejected('exp is more than five minutes ahead');
    if (typeof payload.jti !== 'string' || payload.jti.length > 256) throw rejected('jti must be a string of at most 256 characters');
    if (!(await this.firstUseOf(client.clientId, payload.jti, now))) throw rejected('this jti was used before');
    return client;
  }

  /**
   * Remember an assertion's jti in the store, so a replay is refused by every node sharing it (the key's
   * uniqueness decides between two nodes at once); jti older than an assertion can live are removed.
   */
  private async firstUseOf(clientId: string, jti: string, now: number): Promise<boolean> {
    const key = `${ASSERTION_KEY}${clientId} ${jti}`;
    const createdBefore = new Date((now - MAX_ASSERTION_SECONDS - 2 * CLOCK_TOLERANCE_SECONDS) * 1000).toISOString();
    const prune = now * 1000 - this.prunedAt > 60_000;
    if (prune) this.prunedAt = now * 1000;
    return this.store.transaction(async (tx) => {
      if (prune) await tx.workflow.forgetIdempotency(ASSERTION_KEY, createdBefore);
      if (await tx.workflow.idempotency(key)) return false;
      await tx.workflow.rememberIdempotency({ key, fingerprint: 'client-assertion', status: 0, body: '', created: new Date(now * 1000).toISOString() });
      return true;
    });
  }

  /** The principal of a FHIR request's `Authorization: Bearer` token; 401 (OperationOutcome, WWW-Authenticate) otherwise. */
  async authenticate(authorization: string | undefined, endpoints: Endpoints): Promise<Principal> {
    const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthorized(authorization ? 'The Authorization header must be "Bearer <access token>"' : `An access token is needed: POST ${endpoints.token} (grant_type=client_credentials)`, !!authorization);
    const token = m[1];
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now() / 1000) return known;
    try {
      const principal = await verifyAccessToken(this.keys, token, { issuer: endpoints.issuer, audience: endpoints.audience });
      if (this.verified.size >= VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, principal);
      return principal;
    } catch (err) {
      if (err instanceof InvalidToken) throw unauthorized(`Access token rejected: ${err.message}`, true);
      throw err;
    }
  }

  /** RFC 7591 registration by an admin client: the new client's metadata (and its secret, shown once). */
  async register(principal: Principal, body: unknown): Promise<Record<string, unknown>> {
    if (!principal.scopes.admin) throw new OAuthError(403, 'insufficient_scope', 'Registering clients needs the admin scope');
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const method = (b.token_endpoint_auth_method ?? 'client_secret_basic') as AuthMethod;
    if (method !== 'client_secret_basic' && method !== 'private_key_jwt') throw new OAuthError(400, 'invalid_client_metadata', 'token_endpoint_auth_method must be client_secret_basic or private_key_jwt');
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    try {
      const { client, secret } = await this.store.transaction((tx) =>
        registerClient(tx, { name: text(b.client_name), organization: text(b.organization), scope: text(b.scope), authMethod: method, jwks: b.jwks as ClientRecord['jwks'] }),
      );
      return {
        client_id: client.clientId,
        ...(secret && { client_secret: secret, client_secret_expires_at: 0 }),
        client_id_issued_at: Math.floor(Date.parse(client.created) / 1000),
        client_name: client.name,
        token_endpoint_auth_method: client.authMethod,
        grant_types: ['client_credentials'],
        scope: client.scope,
        organization: client.organization,
        ...(client.jwks && { jwks: client.jwks }),
      };
    } catch (err) {
      if (err instanceof RegistrationError) throw new OAuthError(400, 'invalid_client_metadata', err.message);
      throw err;
    }
  }

  async rotateKeys(principal: Principal): Promise<{ kid: string }> {
    if (!principal.scopes.admin) throw new OAuthError(403, 'insufficient_scope', 'Rotating keys needs the admin scope');
    return { kid: await this.keys.rotate() };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function unauthorized(diagnostics: string, invalidToken: boolean): FhirError {
  const challenge = invalidToken ? `Bearer realm="forlob", error="invalid_token", error_description="${diagnostics.replace(/"/g, "'")}"` : 'Bearer realm="forlob"';
  return new FhirError(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics }] }, { 'www-authenticate': challenge });
}
