import path from 'node:path';

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
  };
}

function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer in environment: ${value}`);
  return n;
}
