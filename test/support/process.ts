import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { databaseFor, testPgUrl } from './pg-databases.js';

export const MAIN = path.resolve('dist/src/main.js');

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  root: string;
  /** Milliseconds from spawn until /healthz answered 200. */
  startupMs: number;
}

/** Start the built server (`npm run build` first) as a child process and wait for /healthz. */
export async function spawnServer(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  // With TEST_PG_URL the process runs on PostgreSQL, in the database of its data directory.
  const pgEnv = testPgUrl && !env.DATABASE_URL ? { DATABASE_URL: await databaseFor(dataDir) } : {};
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  const started = Date.now();
  // Vite puts its own BASE_URL ('/') into the test process's environment: not the server's.
  const { BASE_URL: _vite, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', AUTH: 'off', ...pgEnv, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const root = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${root}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) throw new Error('server did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, base: `${root}/fhir`, root, startupMs: Date.now() - started };
}

export function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
