import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import type { StoreReader, StoreWriter } from '../store/types.js';
import { parseScopes, ScopeError } from './scopes.js';

/*
 * Registered backend clients (SMART Backend Services), each acting for one Organization with the scopes
 * it may be granted. Kept in the store beside the signing keys, not as FHIR resources: a client's secret
 * hash and keys are credentials, not clinical data. Registration follows RFC 7591 (token-endpoint.ts).
 */

export type AuthMethod = 'client_secret_basic' | 'private_key_jwt';

export interface ClientRecord {
  clientId: string;
  name: string;
  /** `Organization/<id>` the client acts for. */
  organization: string;
  /** The scopes the client may be granted (space-separated). */
  scope: string;
  authMethod: AuthMethod;
  /** scrypt$salt$hash (base64url), for client_secret_basic. */
  secretHash?: string;
  /** The client's public keys, for private_key_jwt. */
  jwks?: { keys: JWK[] };
  created: string;
}

export interface Registration {
  name: string;
  organization: string;
  scope: string;
  authMethod: AuthMethod;
  jwks?: { keys: JWK[] };
  /** A client id of the caller's choosing (the bootstrap admin client); otherwise a new UUID. */
  clientId?: string;
}

export class RegistrationError extends Error {}

const scrypt = promisify(crypto.scrypt) as (secret: string, salt: Buffer, length: number) => Promise<Buffer>;
const PREFIX = 'security.client.';
const HASH_BYTES = 32;
/** Compared against when the client is unknown, so an unknown id takes as long as a wrong secret. */
const DUMMY_HASH = `scrypt$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(HASH_BYTES).toString('base64url')}`;

export async function findClient(store: StoreReader, clientId: string): Promise<ClientRecord | undefined> {
  if (!/^[A-Za-z0-9\-._~]{1,128}$/.test(clientId)) return undefined;
  const text = await store.workflow.setting(PREFIX + clientId);
  return text ? (JSON.parse(text) as ClientRecord) : undefined;
}

/** Register a client; resolves to its record and, for client_secret_basic, the secret (shown once). */
export async function registerClient(tx: StoreWriter, reg: Registration): Promise<{ client: ClientRecord; secret?: string }> {
  if (!reg.name.trim()) throw new RegistrationError('client_name is required');
  if (!/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(reg.organization)) throw new RegistrationError('organization must be a reference Organization/<id>');
  const org = await tx.readCurrent('Organization', reg.organization.slice('Organization/'.length));
  if (!org || org.deleted) throw new RegistrationError(`${reg.organization} does not exist`);
  try {
    if (!parseScopes(reg.scope).resources.length && !parseScopes(reg.scope).admin) throw new RegistrationError('scope must name at least one scope');
  } catch (err) {
    if (err instanceof ScopeError) throw new RegistrationError(err.message);
    throw err;
  }
  if (reg.authMethod === 'private_key_jwt' && !reg.jwks?.keys?.length) throw new RegistrationError('private_key_jwt needs jwks with the public keys the client signs with');
  const clientId = reg.clientId ?? crypto.randomUUID();
  if (await tx.workflow.setting(PREFIX + clientId)) throw new RegistrationError(`client ${clientId} exists`);
  const secret = reg.authMethod === 'client_secret_basic' ? crypto.randomBytes(32).toString('base64url') : undefined;
  const client: ClientRecord = {
    clientId,
    name: reg.name,
    organization: reg.organization,
    scope: reg.scope,
    authMethod: reg.authMethod,
    ...(secret && { secretHash: await hashSecret(secret) }),
    ...(reg.authMethod === 'private_key_jwt' && { jwks: { keys: reg.jwks!.keys } }),
    created: new Date().toISOString(),
  };
  await tx.workflow.setSetting(PREFIX + clientId, JSON.stringify(client));
  return { client, secret };
}

async function hashSecret(secret: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${(await scrypt(secret, salt, HASH_BYTES)).toString('base64url')}`;
}

/** Whether `secret` is the client's, in time independent of where it differs (and of whether the client exists). */
export async function secretMatches(client: ClientRecord | undefined, secret: string): Promise<boolean> {
  const usable = client?.authMethod === 'client_secret_basic' && client.secretHash ? client.secretHash : DUMMY_HASH;
  const [, salt, hash] = usable.split('$');
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length);
  return crypto.timingSafeEqual(actual, expected) && usable !== DUMMY_HASH;
}
