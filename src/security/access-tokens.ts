import crypto from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { ClientRecord } from './clients.js';
import { parseScopes, type Scopes } from './scopes.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

/*
 * Access tokens: short-lived JWTs (RFC 9068 `at+jwt`) signed with the server's current key. They carry
 * what authorisation needs, so checking one costs a signature verification and no store read.
 */

/** Who a request acts for: the client, its organisation, and the scopes of its token. */
export interface Principal {
  clientId: string;
  organization: string;
  scopes: Scopes;
  /** The granted scopes as issued (space-separated). */
  scope: string;
  /** When the token expires (seconds since the epoch). */
  expiresAt: number;
}

export class InvalidToken extends Error {}

const TYPE = 'at+jwt';

export async function issueAccessToken(
  keys: SigningKeys,
  client: ClientRecord,
  scope: string,
  options: { issuer: string; audience: string; ttlSeconds: number },
): Promise<string> {
  const { kid, key } = await keys.signing();
  return new SignJWT({ scope, org: client.organization, client_id: client.clientId })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: TYPE })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(client.clientId)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(key);
}

/** The principal of a valid token of this server; InvalidToken (with the reason) otherwise. */
export async function verifyAccessToken(keys: SigningKeys, token: string, options: { issuer: string; audience: string }): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.verification(header.kid);
        if (!key) throw new InvalidToken('the token is not signed by a key of this server');
        return key;
      },
      { issuer: options.issuer, audience: options.audience, algorithms: [SIGNING_ALG], typ: TYPE, requiredClaims: ['exp', 'sub', 'scope'] },
    );
    if (typeof payload.scope !== 'string' || typeof payload.org !== 'string' || typeof payload.sub !== 'string') throw new InvalidToken('the token lacks scope, org or sub');
    return { clientId: payload.sub, organization: payload.org, scopes: parseScopes(payload.scope), scope: payload.scope, expiresAt: payload.exp! };
  } catch (err) {
    if (err instanceof InvalidToken) throw err;
    if (err instanceof errors.JWTExpired) throw new InvalidToken('the token has expired');
    if (err instanceof errors.JOSEError) throw new InvalidToken(`the token is not valid here (${err.code})`);
    throw new InvalidToken('the token is not valid here');
  }
}
