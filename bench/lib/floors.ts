import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloorPayload } from '../floors/payload.js';
import { spawnNode, stopChild, type Spawned } from './spawn.js';
import type { Target } from './workload.js';

/** The floors: what the read workload would reach if the server did nothing but answer. */
export const FLOOR_KINDS = [
  { label: 'node:http', script: 'node-http.js', mode: '' },
  { label: 'express', script: 'express.js', mode: 'write-head' },
  { label: 'express-default', script: 'express.js', mode: 'default' },
  { label: 'express-send', script: 'express.js', mode: 'send' },
] as const;

export type FloorLabel = (typeof FLOOR_KINDS)[number]['label'];

/** Content headers a floor repeats; the rest (Date, Connection, …) Node writes itself. */
const COPIED = ['Content-Type', 'ETag', 'Last-Modified', 'Content-Location'];

export interface Floors {
  targets: Target[];
  payloadBytes: number;
  stop(): Promise<void>;
}

/**
 * Fetch one real `GET /fhir/Patient/<id>` (as the read workload asks for it) and start each floor in
 * its own process answering with exactly those bytes and content headers: in the benchmark process
 * they would share a core with autocannon and be judged unfairly.
 */
export async function startFloors(root: string, patientId: string, which: readonly FloorLabel[]): Promise<Floors> {
  const res = await fetch(`${root}/fhir/Patient/${patientId}`, { headers: { accept: 'application/fhir+json' } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`floors: GET Patient/${patientId} answered ${res.status}: ${body.toString().slice(0, 300)}`);
  const payload: FloorPayload = { headers: {}, body: body.toString('base64') };
  for (const name of COPIED) {
    const v = res.headers.get(name);
    if (v !== null) payload.headers[name] = v;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-bench-floor-'));
  const file = path.join(dir, 'payload.json');
  fs.writeFileSync(file, JSON.stringify(payload));

  const scripts = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'floors');
  const started: Spawned[] = [];
  const targets: Target[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => stopChild(s.child)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const kind of FLOOR_KINDS.filter((k) => which.includes(k.label))) {
      const s = await spawnNode(path.join(scripts, kind.script), { env: { FLOOR_PAYLOAD: file, FLOOR_MODE: kind.mode }, readyPath: '/healthz' });
      started.push(s);
      targets.push({ label: kind.label, kind: 'floor', root: s.root, pid: s.child.pid! });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { targets, payloadBytes: body.length, stop };
}
