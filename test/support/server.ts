import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { databaseFor, dropDatabaseFor, testPgUrl } from './pg-databases.js';

export interface TestServer {
  /** The FHIR base, e.g. http://127.0.0.1:34567/fhir */
  base: string;
  /** The server root (for /healthz). */
  root: string;
  dataDir: string;
  server: RunningServer;
  close(): Promise<void>;
}

/**
 * Start the real server on a free port over a fresh temporary data directory. Without the programme
 * catalogue unless `SEED: 'catalogue'` is passed: most tests reason about exactly what they wrote.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-test-'));
  // With TEST_PG_URL the same server runs on PostgreSQL: a database per data directory.
  const pgEnv = testPgUrl && !env.DATABASE_URL ? { DATABASE_URL: await databaseFor(dataDir) } : {};
  // AUTH=off (on loopback) unless a test asks for security: the other suites are about FHIR, not tokens.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SEED: 'none', AUTH: 'off', ...env, ...pgEnv, DATA_DIR: dataDir });
  const server = await startServer(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  return {
    base: `${server.url}/fhir`,
    root: server.url,
    dataDir,
    server,
    async close() {
      await server.close();
      if (!env.DATA_DIR) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        await dropDatabaseFor(dataDir);
      }
    },
  };
}

export interface FhirResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One HTTP request to the FHIR server; JSON bodies are sent as application/fhir+json. */
export async function fhirFetch<T = any>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<FhirResult<T>> {
  const headers: Record<string, string> = { accept: 'application/fhir+json', ...init.headers };
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/fhir+json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
