import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForExit, type ServerProcess } from '../support/process.js';

/**
 * Durability: kill -9 the server in the middle of a stream of creates; after a restart every
 * create that was acknowledged with 201 must be readable, with the content that was sent.
 */
describe('crash safety', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-crash-'));
  let proc: ServerProcess | undefined;
  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await waitForExit(proc.child);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged create after kill -9', async () => {
    const port = await freePort();
    proc = await spawnServer(dataDir, port);
    const acknowledged = new Map<string, string>();
    let failed = 0;
    const writer = async (w: number) => {
      // Each writer keeps writing until the dead server refuses it, so the kill always lands
      // in a live stream of creates, never after the writers went quiet.
      for (let i = 0; ; i++) {
        const family = `Crash-${w}-${i}`;
        try {
          const res = await fetch(`${proc!.base}/Patient`, {
            method: 'POST',
            headers: { 'content-type': 'application/fhir+json' },
            body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }),
          });
          if (res.status === 201) acknowledged.set(((await res.json()) as { id: string }).id, family);
          else await res.arrayBuffer();
        } catch {
          failed++;
          return; // the connection died with the server
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    // Let the stream run, then kill without warning while requests are in flight.
    while (acknowledged.size < 300) await new Promise((r) => setTimeout(r, 20));
    proc.child.kill('SIGKILL');
    await waitForExit(proc.child);
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThanOrEqual(300);
    expect(failed).toBe(8); // every writer was cut off by the kill, none stopped on its own

    proc = await spawnServer(dataDir, port);
    const lost: string[] = [];
    for (const [id, family] of acknowledged) {
      const res = await fetch(`${proc.base}/Patient/${id}`);
      const body = res.status === 200 ? ((await res.json()) as { name?: { family?: string }[] }) : undefined;
      if (body?.name?.[0]?.family !== family) lost.push(id);
    }
    expect(lost).toEqual([]);
    proc.child.kill('SIGTERM');
    await waitForExit(proc.child);
  }, 120_000);
});
