import type { GenOptions } from '../data.js';
import { resourceTypeOf } from './get-workloads.js';
import type { LoadedPatient } from './load.js';
import { bigTransaction, checkTransactionResponse, hba1cObservation, patientTemplates, patientWithObservation } from './write-data.js';
import { fhirHeaders, header, type BoundWorkload, type WorkloadDef } from './workload.js';

const isObservation = (body: string): string[] => (resourceTypeOf(body) === 'Observation' ? [] : [`not an Observation: ${body.slice(0, 100)}`]);

/** POST /fhir/Observation: an HbA1c result, the subject rotating over the loaded patients. */
export function createWorkload(): WorkloadDef {
  return {
    name: 'create',
    description: 'POST /fhir/Observation (HbA1c with valueQuantity and effectiveDateTime), subject rotating over the patients',
    group: 'write',
    expectStatus: 201,
    bind: async (_target, patients) => {
      let n = 0;
      return {
        next: () => {
          const p = patients[n % patients.length];
          return { req: { method: 'POST', path: '/fhir/Observation', body: JSON.stringify(hba1cObservation(`Patient/${p.id}`, n++)) } };
        },
        check: isObservation,
      };
    },
  };
}

interface Slot {
  id: string;
  subject: string;
  version: string;
  busy: boolean;
}

/**
 * PUT with If-Match on pre-created Observations, `perConnection` of them per connection. Each
 * request takes a resource no other request in flight holds and sends its last known version, so a
 * correct server answers 200 every time: a 412 is the server's fault (or a lost version), not a race.
 */
export function updateWorkload(connections: number, perConnection = 4): WorkloadDef {
  return {
    name: 'update',
    description: `PUT /fhir/Observation/<id> with If-Match: W/"<version>", ${connections}×${perConnection} Observations, none updated twice at once`,
    group: 'write',
    expectStatus: 200,
    // A PUT abandoned in flight at the end of a timed run may be applied after it: its version unknown.
    fixedAmount: true,
    bind: async (target, patients) => {
      const slots = await createSlots(target.root, patients, connections * perConnection);
      let free: number[] = slots.map((_, i) => i);
      let generation = 0;
      let n = 0;
      let fallback = 0;
      const release = (i: number, gen: number): void => {
        if (gen !== generation || !slots[i].busy) return;
        slots[i].busy = false;
        free.push(i);
      };
      /** After anything but a 200 the version is unknown: read it again, then hand the slot out. */
      const refresh = async (i: number): Promise<void> => {
        const res = await fetch(`${target.root}/fhir/Observation/${slots[i].id}`, { headers: fhirHeaders({}) });
        await res.arrayBuffer();
        const v = versionOf(res.headers.get('etag') ?? undefined);
        if (v) slots[i].version = v;
      };
      const w: BoundWorkload = {
        next: () => {
          // The pool is 4× the connections, so a free one is always there unless slots went missing.
          const i = free.shift() ?? fallback++ % slots.length;
          const s = slots[i];
          s.busy = true;
          const body = JSON.stringify({ ...hba1cObservation(s.subject, n++), id: s.id });
          return { req: { method: 'PUT', path: `/fhir/Observation/${s.id}`, headers: { 'if-match': `W/"${s.version}"` }, body }, token: [i, generation] };
        },
        settle: (token, status, headers) => {
          const [i, gen] = token as [number, number];
          const v = status === 200 ? versionOf(header(headers, 'etag')) : undefined;
          if (v) {
            slots[i].version = v;
            release(i, gen);
          } else {
            void refresh(i).then(() => release(i, gen), () => release(i, gen));
          }
        },
        // Learn every version again: the sample check and earlier runs moved them.
        beforeRun: async () => {
          generation++;
          await Promise.all(slots.map((_, i) => refresh(i)));
          for (const s of slots) s.busy = false;
          free = slots.map((_, i) => i);
        },
        check: isObservation,
      };
      return w;
    },
  };
}

function versionOf(etag: string | undefined): string | undefined {
  return etag ? /^W\/"([^"]+)"$/.exec(etag)?.[1] : undefined;
}

async function createSlots(root: string, patients: LoadedPatient[], n: number): Promise<Slot[]> {
  const slots: Slot[] = [];
  for (let i = 0; i < n; i++) {
    const subject = `Patient/${patients[(i * 7) % patients.length].id}`;
    const res = await fetch(`${root}/fhir/Observation`, {
      method: 'POST',
      headers: fhirHeaders({ body: '' }),
      body: JSON.stringify(hba1cObservation(subject, i)),
    });
    const body = (await res.json()) as { id?: string };
    const version = versionOf(res.headers.get('etag') ?? undefined);
    if (res.status !== 201 || !body.id || !version) throw new Error(`update workload: creating its Observations failed: HTTP ${res.status}`);
    slots.push({ id: body.id, subject, version, busy: false });
  }
  return slots;
}

/** POST /fhir: a new Patient (fresh CPR) and an Observation referring to it by `urn:uuid`. */
export function transaction2Workload(gen: GenOptions): WorkloadDef {
  return {
    name: 'transaction-2',
    description: 'POST /fhir transaction: a new Patient (fresh CPR) + an HbA1c Observation with subject = the Patient\'s urn:uuid',
    group: 'write',
    expectStatus: 200,
    bind: async () => {
      const templates = patientTemplates(gen);
      let n = 0;
      return {
        next: () => ({ req: { method: 'POST', path: '/fhir', body: patientWithObservation(templates[n % templates.length], n++) } }),
        check: (body) => checkTransactionResponse(body, 2),
      };
    },
  };
}

/** POST /fhir: `entries` entries of whole new patients' records; the headline is resources/s. */
export function bigTransactionWorkload(gen: GenOptions, entries: number, connections: number): WorkloadDef {
  return {
    name: `transaction-${entries}`,
    description: `POST /fhir transaction of ${entries} entries: new patients from data.ts (fresh CPRs) with their Conditions, Encounters, Observations, CareTeams, CarePlans, Tasks`,
    group: 'write',
    expectStatus: 200,
    connections,
    resourcesPerRequest: entries,
    fixedAmount: true,
    bind: async () => ({
      // Built per request (a few ms here against ~100 ms or more in the server), never repeated.
      next: () => ({ req: { method: 'POST', path: '/fhir', body: bigTransaction(gen, entries) } }),
      check: (body) => checkTransactionResponse(body, entries),
    }),
  };
}
