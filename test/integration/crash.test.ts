import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminCredentials, bearer, tokenFor } from '../support/auth.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { freePort, spawnServer, waitForExit, type ServerProcess } from '../support/process.js';

/**
 * Durability: kill -9 the server in the middle of a stream of creates; after a restart every
 * create that was acknowledged with 201 must be readable, with the content that was sent. The same
 * for the audit trail's rows once written (searchable), and new rows continue after them.
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

  it('keeps the audit rows it has written after kill -9, and records on after the restart', async () => {
    const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-crash-audit-'));
    const port = await freePort();
    let server = await spawnServer(auditDir, port, { AUTH: 'on', RATE_LIMIT: '0' });
    try {
      const admin = adminCredentials(auditDir);
      let token = await tokenFor(server.root, admin.client_id, admin.client_secret);
      const created = await fetch(`${server.base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...bearer(token) }, body: JSON.stringify({ resourceType: 'Patient' }) });
      const patient = ((await created.json()) as { id: string }).id;
      for (let i = 0; i < 200; i++) expect((await fetch(`${server.base}/Patient/${patient}`, { headers: bearer(token) })).status).toBe(200);
      const ids = async () => {
        const res = await fetch(`${server.base}/AuditEvent?patient=Patient/${patient}&_count=1000`, { headers: bearer(token) });
        return (((await res.json()) as { entry?: { resource: { id: string } }[] }).entry ?? []).map((e) => e.resource.id);
      };
      // Visible in a search means committed by the audit writer.
      let written = await ids();
      for (const deadline = Date.now() + 5000; written.length < 201 && Date.now() < deadline; written = await ids()) await new Promise((r) => setTimeout(r, 50));
      // The create, the 200 reads, and the searches made so far (a search by patient is about that patient too).
      expect(written.length).toBeGreaterThanOrEqual(201);
      server.child.kill('SIGKILL');
      await waitForExit(server.child);

      server = await spawnServer(auditDir, port, { AUTH: 'on', RATE_LIMIT: '0' });
      token = await tokenFor(server.root, admin.client_id, admin.client_secret);
      expect(await ids()).toEqual(expect.arrayContaining(written));
      // New rows come after the old ones (no id given twice).
      expect((await fetch(`${server.base}/Patient/${patient}`, { headers: bearer(token) })).status).toBe(200);
      const newest = Math.max(...written.map(Number));
      let now = await ids();
      for (const deadline = Date.now() + 5000; Number(now[0]) <= newest && Date.now() < deadline; now = await ids()) await new Promise((r) => setTimeout(r, 50));
      expect(Number(now[0])).toBeGreaterThan(newest);
    } finally {
      server.child.kill('SIGKILL');
      await waitForExit(server.child);
      fs.rmSync(auditDir, { recursive: true, force: true });
      await dropDatabaseFor(auditDir);
    }
  }, 120_000);
});
