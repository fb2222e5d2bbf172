import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Server configuration, read from the environment once at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Public base URL of the FHIR endpoint, without trailing slash. */
  baseUrl: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Default and maximum page size for searches and history. */
  defaultCount: number;
  maxCount: number;
  logLevel: string;
  /** Conformance content loaded on start (StructureDefinitions, ValueSets, CodeSystems, SearchParameters). */
  profilesDir: string;
  /** SEED: `catalogue` loads the programme catalogue and reference data into an empty store on start; `none` does not. */
  seed: 'catalogue' | 'none';
  /** CLOCK: `system` (default) or `manual` (time moves by POST /fhir/$advance-clock as well). */
  clock: 'system' | 'manual';
  /** How often the workflow scheduler looks for due timers, in ms (SCHEDULER_INTERVAL_MS; 0 = never by itself). */
  schedulerIntervalMs: number;
  /** DATABASE_URL: postgres://… selects the PostgreSQL store; unset, the embedded SQLite file in dataDir. */
  databaseUrl?: string;
  /** DATABASE_READ_URL: an optional read replica for searches and history. */
  databaseReadUrl?: string;
  /** DATABASE_POOL_SIZE: most connections per pool (default 10). */
  databasePoolSize: number;
  /** AUTH: `on` (default; SMART Backend Services tokens on every FHIR request) or `off` (loopback only, for development). */
  auth: 'on' | 'off';
  /** TOKEN_TTL_SECONDS: lifetime of access tokens (default 300). */
  tokenTtlSeconds: number;
  /** RATE_LIMIT: requests per second per client and node (burst twice that; 0 = none). */
  rateLimit: number;
  /** STATEMENT_TIMEOUT_MS: PostgreSQL cancels a statement running longer (default 30000; 0 = never). */
  statementTimeoutMs: number;
  /** READ_CACHE_MB: MiB of recently read current versions the embedded store keeps in memory (default 16; 0 = none). */
  readCacheMb: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env.PORT, 8080);
  const host = env.HOST || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const baseUrl = (env.BASE_URL || `http://${host}:${port}/fhir`).replace(/\/+$/, '');
  return {
    port,
    host,
    dataDir,
    baseUrl,
    maxBodyBytes: intFrom(env.MAX_BODY_BYTES, 50 * 1024 * 1024),
    defaultCount: intFrom(env.DEFAULT_COUNT, 20),
    maxCount: intFrom(env.MAX_COUNT, 1000),
    logLevel: env.LOG_LEVEL || 'info',
    profilesDir: path.resolve(env.PROFILES_DIR || path.join(projectRoot(), 'fhir-profiles')),
    seed: seedFrom(env.SEED),
    clock: clockFrom(env.CLOCK),
    schedulerIntervalMs: intFrom(env.SCHEDULER_INTERVAL_MS, 1000),
    databaseUrl: postgresUrl('DATABASE_URL', env.DATABASE_URL),
    databaseReadUrl: postgresUrl('DATABASE_READ_URL', env.DATABASE_READ_URL),
    databasePoolSize: Math.max(1, intFrom(env.DATABASE_POOL_SIZE, 10)),
    auth: authFrom(env.AUTH, host),
    tokenTtlSeconds: Math.max(1, intFrom(env.TOKEN_TTL_SECONDS, 300)),
    rateLimit: intFrom(env.RATE_LIMIT, 1000),
    statementTimeoutMs: intFrom(env.STATEMENT_TIMEOUT_MS, 30_000),
    readCacheMb: intFrom(env.READ_CACHE_MB, 16),
  };
}

/** Loopback addresses: a server listening only there is reachable from this machine alone. */
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

function authFrom(value: string | undefined, host: string): Config['auth'] {
  if (value === undefined || value === '' || value === 'on') return 'on';
  if (value !== 'off') throw new Error(`Invalid AUTH "${value}": use "on" or "off"`);
  if (!LOOPBACK.test(host)) throw new Error(`AUTH=off is accepted only when HOST is a loopback address (127.0.0.1, ::1, localhost), not "${host}"`);
  return 'off';
}

function seedFrom(value: string | undefined): Config['seed'] {
  if (value === undefined || value === '' || value === 'catalogue') return 'catalogue';
  if (value === 'none') return 'none';
  throw new Error(`Invalid SEED "${value}": use "catalogue" or "none"`);
}

function clockFrom(value: string | undefined): Config['clock'] {
  if (value === undefined || value === '' || value === 'system') return 'system';
  if (value === 'manual') return 'manual';
  throw new Error(`Invalid CLOCK "${value}": use "system" or "manual"`);
}

function postgresUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new Error(`Invalid ${name}: expected postgres://user:password@host:port/database`);
  return value;
}

function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer in environment: ${value}`);
  return n;
}

/** The folder holding package.json, found from this file (src/ when run by tests, dist/src/ when built). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
