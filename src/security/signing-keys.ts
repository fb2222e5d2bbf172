import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Store } from '../store/types.js';

/*
 * The server's keys for signing access tokens (ES256), kept in the store so that every node signs and
 * verifies with the same ones. Newest first: the first signs, all verify. Rotation adds a key and keeps
 * the previous ones, so tokens issued before it stay valid until they expire; other nodes see the new
 * key when a token names a kid they do not know, or within REFRESH_MS for signing.
 */

export const SIGNING_ALG = 'ES256';
const SETTING = 'security.signing-keys';
/** Keys kept after a rotation: the new one and the two before it (tokens live minutes, not rotations). */
const KEEP = 3;
const REFRESH_MS = 60_000;

interface StoredKey {
  kid: string;
  created: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

interface LoadedKey extends StoredKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;

  constructor(private readonly store: Store) {}

  /** Load the keys, creating the first one on a new store. */
  async ready(): Promise<void> {
    const stored = await this.store.transaction(async (tx) => {
      const text = await tx.workflow.setting(SETTING);
      if (text) return JSON.parse(text) as StoredKey[];
      const first = [await newKey()];
      await tx.workflow.setSetting(SETTING, JSON.stringify(first));
      return first;
    });
    await this.use(stored);
  }

  /** The key new tokens are signed with (re-read from the store now and then: another node may have rotated). */
  async signing(): Promise<{ kid: string; key: CryptoKey }> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.reload();
    const k = this.keys[0];
    return { kid: k.kid, key: k.privateKey };
  }

  /** The public key of `kid`, re-reading the store once when it is unknown; undefined when there is none. */
  async verification(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (!kid) return undefined;
    let k = this.keys.find((x) => x.kid === kid);
    if (!k) {
      await this.reload();
      k = this.keys.find((x) => x.kid === kid);
    }
    return k?.publicKey;
  }

  /** The public keys as a JWK Set, for /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Make a new signing key; resolves to its kid. */
  async rotate(): Promise<string> {
    const stored = await this.store.transaction(async (tx) => {
      const text = await tx.workflow.setting(SETTING);
      const keys = [await newKey(), ...(text ? (JSON.parse(text) as StoredKey[]) : [])].slice(0, KEEP);
      await tx.workflow.setSetting(SETTING, JSON.stringify(keys));
      return keys;
    });
    await this.use(stored);
    return stored[0].kid;
  }

  private async reload(): Promise<void> {
    const text = await this.store.workflow.setting(SETTING);
    if (text) await this.use(JSON.parse(text) as StoredKey[]);
  }

  private async use(stored: StoredKey[]): Promise<void> {
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(
      stored.map(async (s) => known.get(s.kid) ?? { ...s, privateKey: (await importJWK(s.privateJwk, SIGNING_ALG)) as CryptoKey, publicKey: (await importJWK(s.publicJwk, SIGNING_ALG)) as CryptoKey }),
    );
    this.loadedAt = Date.now();
  }
}

async function newKey(): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    created: new Date().toISOString(),
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG },
    publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
  };
}
