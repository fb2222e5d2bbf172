import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/*
 * The client side of the server's OAuth endpoints, for tests that run with AUTH=on: the admin
 * credentials the first start wrote, tokens by client_secret_basic, client registration.
 */

export interface AdminCredentials {
  client_id: string;
  client_secret: string;
  token_endpoint: string;
  scope: string;
}

export interface OAuthResult {
  status: number;
  body: any;
  headers: Headers;
}

/** The credentials file a first start with AUTH=on wrote into its data directory. */
export function adminCredentials(dataDir: string): AdminCredentials {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'admin-client.json'), 'utf8')) as AdminCredentials;
}

/** HTTP Basic credentials as RFC 6749 §2.3.1 has them (form-encoded id and secret). */
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** POST `body` as a form to the token endpoint of the server at `root`. */
export async function tokenRequest(root: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<OAuthResult> {
  const res = await fetch(`${root}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** An access token for a client_secret_basic client; fails with the server's answer when there is none. */
export async function tokenFor(root: string, id: string, secret: string, scope?: string): Promise<string> {
  const res = await tokenRequest(root, { grant_type: 'client_credentials', ...(scope && { scope }) }, { authorization: basic(id, secret) });
  if (res.status !== 200) throw new Error(`token for ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** RFC 7591 registration of a client, with an admin's token. */
export async function registerClient(root: string, adminToken: string, metadata: Record<string, unknown>): Promise<OAuthResult> {
  const res = await fetch(`${root}/oauth2/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(adminToken) },
    body: JSON.stringify(metadata),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export interface KeyClient {
  clientId: string;
  /** A fresh client assertion (RFC 7523) for the token endpoint `audience`, with a new jti. */
  assertion(audience: string): Promise<string>;
  /** Its token request (grant_type=client_credentials) with `assertion`. */
  tokenRequest(root: string, assertion: string, scope?: string): Promise<OAuthResult>;
}

/** Register a private_key_jwt client (an ES384 key made here) for `organization` with `scope`. */
export async function registerKeyClient(root: string, adminToken: string, organization: string, scope: string): Promise<KeyClient> {
  const kid = `key-${crypto.randomUUID()}`;
  const pair = await generateKeyPair('ES384');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES384' };
  const reg = await registerClient(root, adminToken, { client_name: 'key client', organization, scope, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
  if (reg.status !== 201) throw new Error(`registration: ${reg.status} ${JSON.stringify(reg.body)}`);
  const clientId = reg.body.client_id as string;
  return {
    clientId,
    assertion: (audience) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' }).setIssuer(clientId).setSubject(clientId).setAudience(audience).setExpirationTime('2m').setJti(crypto.randomUUID()).sign(pair.privateKey),
    tokenRequest: (at, assertion, tokenScope = scope) =>
      tokenRequest(at, { grant_type: 'client_credentials', scope: tokenScope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  };
}
