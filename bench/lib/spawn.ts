import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitForExit } from '../../test/support/process.js';

/** A Node program the benchmark started (the server under test, a baseline build, a floor). */
export interface Spawned {
  child: ChildProcess;
  /** `http://127.0.0.1:port` */
  root: string;
  /** Milliseconds from spawn until `readyPath` answered 200. */
  startupMs: number;
}

/**
 * Start `node <script>` on a free loopback port (PORT/HOST in its environment) and wait until
 * GET `readyPath` answers 200. Like test/support/process.ts spawnServer, but for any script and
 * working directory, so a baseline checkout's dist/src/main.js and the floors start the same way.
 */
export async function spawnNode(
  script: string,
  opts: { env?: Record<string, string>; cwd?: string; readyPath: string; stderr?: 'inherit' | 'ignore'; nodeArgs?: string[] },
): Promise<Spawned> {
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first`);
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script], {
    cwd: opts.cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...opts.env },
    stdio: ['ignore', 'ignore', opts.stderr ?? 'inherit'],
  });
  const root = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(root + opts.readyPath);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not become ready in 30 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, root, startupMs: Math.round(performance.now() - started) };
}

/** SIGTERM and wait for the exit (SIGKILL after 15 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  child.kill('SIGTERM');
  await waitForExit(child);
  clearTimeout(killer);
}
