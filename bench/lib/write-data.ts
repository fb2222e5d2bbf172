import { randomUUID } from 'node:crypto';
import { CAT_LAB, CPR_SYSTEM, generatePatient, isoDateTime, loinc, quantity, type Entry, type GenOptions } from '../data.js';

type Json = Record<string, unknown>;
const DAY = 86_400_000;

/**
 * Fresh CPR numbers for the patients the write workloads create, unique within the process (so
 * within every store it writes to). The 7th digit is 4 with a birth year 1937–1999, a valid CPR
 * date part that the loaded data set (7th digit 0–3) never uses, so they cannot clash with it.
 */
const CPR_EPOCH = Date.UTC(1937, 0, 1);
const CPR_DAYS = Math.floor((Date.UTC(1999, 11, 31) - CPR_EPOCH) / DAY) + 1;
let cprCounter = 0;

export function nextCpr(): { cpr: string; birthDate: string; male: boolean } {
  const n = cprCounter++;
  const birth = new Date(CPR_EPOCH + (n % CPR_DAYS) * DAY);
  const serial = String(Math.floor(n / CPR_DAYS) % 1000).padStart(3, '0');
  const iso = birth.toISOString().slice(0, 10);
  const cpr = `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(2, 4)}4${serial}`;
  return { cpr, birthDate: iso, male: Number(serial[2]) % 2 === 1 };
}

/** Fresh patient indexes for data.ts, far beyond any loaded set, so the generated data is new. */
let indexCounter = 10_000_000;

/** A Patient resource from data.ts (Danish name, address, GP) with a fresh CPR and matching birth date and sex. */
export function freshPatient(template: Json): Json {
  const { cpr, birthDate, male } = nextCpr();
  return { ...template, identifier: [{ use: 'official', system: CPR_SYSTEM, value: cpr }], birthDate, gender: male ? 'male' : 'female' };
}

/** Patient resources to vary the created patients with (generated once: data.ts makes a whole record each). */
export function patientTemplates(gen: GenOptions, n = 100): Json[] {
  return Array.from({ length: n }, (_, i) => generatePatient(gen, 20_000_000 + i).entries[0].resource);
}

/** An HbA1c result as a GP system would post it; `n` varies date and value. */
export function hba1cObservation(subject: string, n: number): Json {
  const at = Date.UTC(2025, 0, 2) + (n % 180) * DAY + (7 + (n % 8)) * 3_600_000 + (n % 4) * 900_000;
  return {
    resourceType: 'Observation',
    status: 'final',
    category: CAT_LAB,
    code: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'HbA1c'),
    subject: { reference: subject },
    effectiveDateTime: isoDateTime(at),
    issued: new Date(at + 3_600_000).toISOString(),
    valueQuantity: quantity(Math.round(50 + (n % 40)) / 10, '%'),
  };
}

/** A 2-entry transaction: a new Patient and an HbA1c Observation whose subject is its `urn:uuid`. */
export function patientWithObservation(template: Json, n: number): string {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: patientUrl, resource: freshPatient(template), request: { method: 'POST', url: 'Patient' } },
      { fullUrl: `urn:uuid:${randomUUID()}`, resource: hba1cObservation(patientUrl, n), request: { method: 'POST', url: 'Observation' } },
    ],
  });
}

/**
 * A transaction of exactly `size` entries: whole new patients from data.ts (Patient, Conditions,
 * Encounters, Observations, CareTeam, CarePlan, Tasks) with fresh CPRs, the last one cut short.
 * Cutting is safe because data.ts only refers back to earlier entries of a patient.
 */
export function bigTransaction(gen: GenOptions, size: number): string {
  const entries: Entry[] = [];
  while (entries.length < size) {
    const p = generatePatient(gen, indexCounter++);
    p.entries[0] = { ...p.entries[0], resource: freshPatient(p.entries[0].resource) };
    entries.push(...p.entries);
  }
  entries.length = size;
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries });
}

/** Problems with a transaction-response body: not `expected` entries, or an entry not 201. */
export function checkTransactionResponse(body: string, expected: number): string[] {
  let b: { resourceType?: string; type?: string; entry?: { response?: { status?: string } }[] };
  try {
    b = JSON.parse(body);
  } catch {
    return [`not JSON: ${body.slice(0, 200)}`];
  }
  if (b.resourceType !== 'Bundle' || b.type !== 'transaction-response') return [`expected a transaction-response Bundle, got ${b.resourceType}/${b.type}`];
  const entries = b.entry ?? [];
  if (entries.length !== expected) return [`transaction-response has ${entries.length} entries, expected ${expected}`];
  const bad = entries.filter((e) => !e.response?.status?.startsWith('201'));
  return bad.length ? [`${bad.length} entries not 201 Created (e.g. ${bad[0].response?.status})`] : [];
}
