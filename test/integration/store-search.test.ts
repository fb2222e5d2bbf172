import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import type { Store } from '../../src/store/types.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { openStoreIn } from '../support/store.js';

const BASE = 'http://forlob.test/fhir';
const CPR = 'urn:oid:1.2.208.176.1.2';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

/** Resources in insertion order (rid order), each with its lastUpdated. */
const fixtures: [Resource, string][] = [
  [
    {
      resourceType: 'Patient',
      id: 'p1',
      meta: {
        profile: ['http://example.dk/StructureDefinition/patient'],
        tag: [{ system: 'http://example.dk/tags', code: 'pilot' }],
        source: 'http://example.dk/source#a',
      },
      identifier: [
        {
          system: CPR,
          value: '0101701234',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] },
        },
      ],
      active: true,
      name: [{ family: 'Sørensen', given: ['Søren'] }],
      telecom: [{ system: 'phone', value: '+45 12345678' }],
      gender: 'male',
      birthDate: '1970-05-06',
      address: [{ line: ['Storegade 1'], city: 'Åbenrå' }],
      generalPractitioner: [{ reference: 'Practitioner/gp1' }, { reference: 'http://other.example/fhir/Organization/o9' }],
    },
    '2024-01-01T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Patient',
      id: 'p2',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      identifier: [{ system: CPR, value: '2412851234' }],
      active: false,
      name: [{ family: 'Jensen', given: ['Anne'] }],
      gender: 'female',
      birthDate: '1985-12-24',
      address: [{ city: 'Aabenraa' }],
    },
    '2024-02-01T12:00:00.000Z',
  ],
  [
    {
      resourceType: 'Patient',
      id: 'p3',
      name: [{ family: 'Ærø', given: ['Mette'] }],
      gender: 'female',
      birthDate: '1970',
      address: [{ city: 'København' }],
    },
    '2024-02-15T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Patient',
      id: 'p4',
      identifier: [{ value: 'X1' }],
      name: [{ family: 'Hansen', given: ['Hans'] }],
      gender: 'male',
      birthDate: '1971-01-01',
    },
    '2024-03-01T00:00:00.000Z',
  ],
  [{ resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'Læge', given: ['Karen'] }] }, '2024-01-01T00:00:00.000Z'],
  [{ resourceType: 'Practitioner', id: 'gp2', name: [{ family: 'Doktor', given: ['Peter'] }] }, '2024-01-01T00:00:00.000Z'],
  [
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }], text: 'Systolisk blodtryk' },
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Practitioner/gp1' }],
      effectiveDateTime: '2024-01-02T10:15:00Z',
      valueQuantity: { value: 120.5, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
    },
    '2024-01-03T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Observation',
      id: 'o2',
      status: 'preliminary',
      code: { coding: [{ system: LOINC, code: '8480-6' }] },
      subject: { reference: `${BASE}/Patient/p2` },
      effectiveDateTime: '2024-02-01',
      valueQuantity: { value: 100, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
    },
    '2024-02-02T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Observation',
      id: 'o3',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
      subject: { reference: 'Patient/p1' },
      effectivePeriod: { start: '2023-06-01', end: '2023-06-30' },
      valueQuantity: { value: 80, unit: 'kg', system: UCUM, code: 'kg' },
    },
    '2024-02-03T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Observation',
      id: 'o4',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '8480-6' }] },
      subject: { reference: 'Group/g1' },
    },
    '2024-02-04T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Observation',
      id: 'o5',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '8867-4' }] },
      subject: { identifier: { system: CPR, value: '0101701234' } },
    },
    '2024-02-05T00:00:00.000Z',
  ],
  [
    {
      resourceType: 'Provenance',
      id: 'prov1',
      target: [{ reference: 'Observation/o2' }],
      recorded: '2024-02-02T00:00:00Z',
      agent: [{ who: { reference: 'Practitioner/gp1' } }],
    },
    '2024-02-02T00:00:00.000Z',
  ],
  [
    { resourceType: 'RiskAssessment', id: 'r1', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 100 }] },
    '2024-01-01T00:00:00.000Z',
  ],
  [
    { resourceType: 'RiskAssessment', id: 'r2', status: 'final', subject: { reference: 'Patient/p2' }, prediction: [{ probabilityDecimal: 99.7 }] },
    '2024-01-01T00:00:00.000Z',
  ],
  [
    { resourceType: 'RiskAssessment', id: 'r3', status: 'final', subject: { reference: 'Patient/p3' }, prediction: [{ probabilityDecimal: 0.5 }] },
    '2024-01-01T00:00:00.000Z',
  ],
  [{ resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://example.dk/fhir/ValueSet/diabetes' }, '2024-01-01T00:00:00.000Z'],
  [{ resourceType: 'ValueSet', id: 'vs2', status: 'active', url: 'http://example.dk/fhir/ValueSet/diabetes/type2' }, '2024-01-01T00:00:00.000Z'],
  [
    { resourceType: 'QuestionnaireResponse', id: 'qr1', status: 'completed', questionnaire: 'http://x.dk/Questionnaire/q|2.0' },
    '2024-01-01T00:00:00.000Z',
  ],
  // A patient that is deleted below, and an observation still pointing to it.
  [{ resourceType: 'Patient', id: 'p5', name: [{ family: 'Slettet' }], gender: 'other' }, '2024-01-01T00:00:00.000Z'],
  [
    { resourceType: 'Observation', id: 'o6', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p5' } },
    '2024-01-01T00:00:00.000Z',
  ],
];

let dataDir: string;
let store: Store;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-search-'));
  store = await openStoreIn(dataDir);
  await store.transaction(async (tx) => {
    for (const [resource, lastUpdated] of fixtures) {
      const withMeta = { ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated } } as Resource;
      await tx.write({
        type: resource.resourceType,
        id: resource.id as string,
        versionId: 1,
        lastUpdated,
        method: 'POST',
        json: JSON.stringify(withMeta),
        index: extractIndex(withMeta),
      });
    }
  });
  // p5 deleted; p4 updated to version 2 (old values must no longer match).
  await store.transaction(async (tx) => {
    await tx.write({ type: 'Patient', id: 'p5', versionId: 2, lastUpdated: '2024-03-02T00:00:00.000Z', method: 'DELETE' });
    const p4 = fixtures.find(([r]) => r.id === 'p4')![0];
    const lastUpdated = '2024-03-01T00:00:00.000Z';
    const v2 = { ...p4, telecom: [{ system: 'email', value: 'hans@example.dk' }], meta: { versionId: '2', lastUpdated } } as Resource;
    await tx.write({
      type: 'Patient',
      id: 'p4',
      versionId: 2,
      lastUpdated,
      method: 'PUT',
      json: JSON.stringify(v2),
      index: extractIndex(v2),
    });
  });
});

afterAll(async () => {
  await store?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

function query(q: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q)) (out[k] ??= []).push(v);
  return out;
}

async function search(type: string | string[], q: string) {
  const { plan, unknown } = buildSearchPlan(Array.isArray(type) ? type : [type], query(q), {
    defaultCount: 100,
    maxCount: 1000,
    baseUrl: BASE,
  });
  const page = await store.search(plan);
  return { ids: page.versions.map((v) => v.id), total: page.total, unknown, page };
}

/** Matching ids, sorted (for searches where order is not the point). */
async function ids(type: string | string[], q: string): Promise<string[]> {
  return (await search(type, q)).ids.sort();
}

async function expect400(type: string, q: string, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await search(type, q);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FhirError);
  expect((caught as FhirError).status).toBe(400);
  expect((caught as FhirError).message).toMatch(message);
}

describe('basic', () => {
  it('returns all current, non-deleted resources of the type in insertion order', async () => {
    const r = await search('Patient', '');
    expect(r.ids).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(r.total).toBe(4);
  });

  it('_id', async () => {
    expect(await ids('Patient', '_id=p1,p3')).toEqual(['p1', 'p3']);
    expect(await ids('Patient', '_id=nope')).toEqual([]);
    expect(await ids('Patient', '_id=p5')).toEqual([]); // deleted
  });

  it('_lastUpdated', async () => {
    expect(await ids('Patient', '_lastUpdated=ge2024-02')).toEqual(['p2', 'p3', 'p4']);
    expect(await ids('Patient', '_lastUpdated=lt2024-02')).toEqual(['p1']);
    expect(await ids('Patient', '_lastUpdated=2024-02')).toEqual(['p2', 'p3']);
    expect(await ids('Patient', '_lastUpdated=gt2024-02-01&_lastUpdated=lt2024-03')).toEqual(['p3']);
    expect(await ids('Patient', '_lastUpdated=2024-02-01T12:00:00Z')).toEqual(['p2']);
    expect(await ids('Patient', '_lastUpdated=2025')).toEqual([]);
  });

  it('reports unknown parameters and ignores them', async () => {
    const r = await search('Patient', 'foo=bar&gender=male');
    expect(r.unknown).toEqual(['foo']);
    expect(r.ids.sort()).toEqual(['p1', 'p4']);
  });

  it('updates replace index rows', async () => {
    expect(await ids('Patient', 'email=hans@example.dk')).toEqual(['p4']);
    expect(await ids('Patient', 'family=hansen')).toEqual(['p4']);
  });
});

describe('string', () => {
  it('matches folded prefixes, Danish letters included', async () => {
    expect(await ids('Patient', 'family=sorensen')).toEqual(['p1']);
    expect(await ids('Patient', 'family=Søren')).toEqual(['p1']);
    expect(await ids('Patient', 'family=SOREN')).toEqual(['p1']);
    expect(await ids('Patient', 'family=aero')).toEqual(['p3']);
    expect(await ids('Patient', 'family=Ærø')).toEqual(['p3']);
    expect(await ids('Patient', 'address-city=aabenraa')).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'address-city=abenra')).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'address-city=Åbenrå')).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'address-city=kobenhavn')).toEqual(['p3']);
    expect(await ids('Patient', 'name=soren')).toEqual(['p1']);
    expect(await ids('Patient', 'address=storegade')).toEqual(['p1']);
    expect(await ids('Patient', 'family=ensen')).toEqual([]);
    expect(await ids('Patient', 'family=sorensenx')).toEqual([]);
    expect(await ids('Patient', 'address-city=odense')).toEqual([]);
  });

  it(':exact and :contains', async () => {
    expect(await ids('Patient', 'family:exact=Sørensen')).toEqual(['p1']);
    expect(await ids('Patient', 'family:exact=sorensen')).toEqual([]);
    expect(await ids('Patient', 'family:exact=Søren')).toEqual([]);
    expect(await ids('Patient', 'family:contains=ENSE')).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'family:contains=SEN')).toEqual(['p1', 'p2', 'p4']);
    expect(await ids('Patient', 'family:contains=rø')).toEqual(['p3']);
    expect(await ids('Patient', 'family:contains=xyz')).toEqual([]);
  });

  it('ORs commas and ANDs repetitions', async () => {
    expect(await ids('Patient', 'family=jensen,hansen')).toEqual(['p2', 'p4']);
    expect(await ids('Patient', 'given=søren&family=sørensen')).toEqual(['p1']);
    expect(await ids('Patient', 'given=søren&family=jensen')).toEqual([]);
  });
});

describe('token', () => {
  it('code, system|code, |code, system|', async () => {
    expect(await ids('Patient', 'gender=male')).toEqual(['p1', 'p4']);
    expect(await ids('Patient', 'gender=female')).toEqual(['p2', 'p3']);
    expect(await ids('Patient', 'gender=Male')).toEqual([]); // case-sensitive
    expect(await ids('Patient', `identifier=${CPR}|0101701234`)).toEqual(['p1']);
    expect(await ids('Patient', 'identifier=0101701234')).toEqual(['p1']);
    expect(await ids('Patient', 'identifier=urn:oid:9.9|0101701234')).toEqual([]);
    expect(await ids('Patient', 'identifier=|0101701234')).toEqual([]);
    expect(await ids('Patient', 'identifier=|X1')).toEqual(['p4']);
    expect(await ids('Patient', `identifier=${CPR}|`)).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'identifier=urn:oid:9.9|')).toEqual([]);
    expect(await ids('Observation', `code=${LOINC}|8480-6`)).toEqual(['o1', 'o2', 'o4']);
    expect(await ids('Observation', `code=${LOINC}|8480-6,${LOINC}|29463-7`)).toEqual(['o1', 'o2', 'o3', 'o4']);
    expect(await ids('Patient', 'active=true')).toEqual(['p1']);
    expect(await ids('Patient', 'active=false')).toEqual(['p2']);
    expect(await ids('Patient', 'phone=%2B45 12345678')).toEqual(['p1']);
    expect(await ids('Patient', 'phone=%2B45 00000000')).toEqual([]);
  });

  it('primitive codes carry the code system of their required binding', async () => {
    expect(await ids('Patient', 'gender=http://hl7.org/fhir/administrative-gender|male')).toEqual(['p1', 'p4']);
    expect(await ids('Patient', 'gender=http://hl7.org/fhir/administrative-gender|')).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(await ids('Patient', 'gender=http://other.example/gender|male')).toEqual([]);
    expect(await ids('Patient', 'gender=|male')).toEqual([]); // |code means "no system"
    expect(await ids('Observation', 'status=http://hl7.org/fhir/observation-status|preliminary')).toEqual(['o2']);
    // A boolean has no code system.
    expect(await ids('Patient', 'active=|true')).toEqual(['p1']);
  });

  it(':not', async () => {
    expect(await ids('Patient', 'gender:not=male')).toEqual(['p2', 'p3']);
    expect(await ids('Patient', 'gender:not=male,female')).toEqual([]);
    expect(await ids('Patient', 'active:not=true')).toEqual(['p2', 'p3', 'p4']);
  });

  it(':text', async () => {
    expect(await ids('Observation', 'code:text=systolic')).toEqual(['o1']);
    expect(await ids('Observation', 'code:text=blodtryk')).toEqual(['o1']);
    expect(await ids('Observation', 'code:text=weight')).toEqual(['o3']);
    expect(await ids('Observation', 'code:text=temperature')).toEqual([]);
  });

  it(':of-type', async () => {
    expect(await ids('Patient', 'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NI|0101701234')).toEqual(['p1']);
    expect(await ids('Patient', 'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|0101701234')).toEqual([]);
  });

  it('_tag, _security', async () => {
    expect(await ids('Patient', '_tag=http://example.dk/tags|pilot')).toEqual(['p1']);
    expect(await ids('Patient', '_tag=other')).toEqual([]);
    expect(await ids('Patient', '_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R')).toEqual(['p2']);
    expect(await ids('Patient', '_security=N')).toEqual([]);
  });
});

describe(':missing', () => {
  it('on every type of parameter', async () => {
    expect(await ids('Patient', 'active:missing=true')).toEqual(['p3', 'p4']);
    expect(await ids('Patient', 'active:missing=false')).toEqual(['p1', 'p2']);
    expect(await ids('Patient', 'phone:missing=false')).toEqual(['p1']);
    expect(await ids('Patient', 'address-city:missing=true')).toEqual(['p4']);
    expect(await ids('Patient', 'birthdate:missing=true')).toEqual([]);
    expect(await ids('Patient', 'general-practitioner:missing=false')).toEqual(['p1']);
    expect(await ids('Patient', '_profile:missing=false')).toEqual(['p1']);
    expect(await ids('Observation', 'value-quantity:missing=true')).toEqual(['o4', 'o5', 'o6']);
    expect(await ids('RiskAssessment', 'probability:missing=false')).toEqual(['r1', 'r2', 'r3']);
    // A parameter nobody has a value for: everything is missing it.
    expect(await ids('Patient', 'death-date:missing=true')).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(await ids('Patient', 'death-date:missing=false')).toEqual([]);
  });
});

describe('date', () => {
  it('eq with precision', async () => {
    expect(await ids('Patient', 'birthdate=1970')).toEqual(['p1', 'p3']);
    expect(await ids('Patient', 'birthdate=1970-05')).toEqual(['p1']);
    expect(await ids('Patient', 'birthdate=eq1970-05-06')).toEqual(['p1']);
    expect(await ids('Patient', 'birthdate=1970-05-07')).toEqual([]);
  });

  it('prefixes', async () => {
    expect(await ids('Patient', 'birthdate=ne1970')).toEqual(['p2', 'p4']);
    expect(await ids('Patient', 'birthdate=gt1970')).toEqual(['p2', 'p4']);
    expect(await ids('Patient', 'birthdate=lt1971')).toEqual(['p1', 'p3']);
    expect(await ids('Patient', 'birthdate=ge1985-12-24')).toEqual(['p2']);
    expect(await ids('Patient', 'birthdate=le1970-05-06')).toEqual(['p1', 'p3']);
    expect(await ids('Patient', 'birthdate=sa1970')).toEqual(['p2', 'p4']);
    expect(await ids('Patient', 'birthdate=eb1971')).toEqual(['p1', 'p3']);
    expect(await ids('Patient', 'birthdate=eb1970')).toEqual([]);
    expect(await ids('Patient', 'birthdate=ap1985-12')).toEqual(['p2']);
    expect(await ids('Patient', 'birthdate=ap1950')).toEqual([]);
    expect(await ids('Patient', 'birthdate=ge1970&birthdate=lt1971')).toEqual(['p1', 'p3']);
  });

  it('dateTime with time zones, and Periods', async () => {
    expect(await ids('Observation', 'date=2024-01-02')).toEqual(['o1']);
    expect(await ids('Observation', 'date=2024-01-02T11:15:00%2B01:00')).toEqual(['o1']);
    expect(await ids('Observation', 'date=2024-01-02T10:15:01Z')).toEqual([]);
    expect(await ids('Observation', 'date=2023-06')).toEqual(['o3']);
    expect(await ids('Observation', 'date=2023-06-15')).toEqual([]); // the period is not within that day
    expect(await ids('Observation', 'date=ge2023-06-15&date=lt2024')).toEqual(['o3']);
    expect(await ids('Observation', 'date=sa2023-12-31')).toEqual(['o1', 'o2']);
  });

  it('rejects invalid dates and prefixes', async () => {
    await expect400('Patient', 'birthdate=1970-13', /Invalid date/);
    await expect400('Patient', 'birthdate=xx1970', /Invalid date/);
    await expect400('Patient', 'birthdate=tomorrow', /Invalid date/);
    await expect400('Patient', '_lastUpdated=2024-02-30', /Invalid date/);
  });
});

describe('number', () => {
  it('uses implicit precision for eq and values for comparisons', async () => {
    expect(await ids('RiskAssessment', 'probability=100')).toEqual(['r1', 'r2']);
    expect(await ids('RiskAssessment', 'probability=100.0')).toEqual(['r1']);
    expect(await ids('RiskAssessment', 'probability=1e2')).toEqual(['r1', 'r2']);
    expect(await ids('RiskAssessment', 'probability=ne100')).toEqual(['r3']);
    expect(await ids('RiskAssessment', 'probability=gt99.8')).toEqual(['r1']);
    expect(await ids('RiskAssessment', 'probability=ge99.7')).toEqual(['r1', 'r2']);
    expect(await ids('RiskAssessment', 'probability=lt1')).toEqual(['r3']);
    expect(await ids('RiskAssessment', 'probability=le0.5')).toEqual(['r3']);
    expect(await ids('RiskAssessment', 'probability=ap95')).toEqual(['r1', 'r2']);
    expect(await ids('RiskAssessment', 'probability=ap50')).toEqual([]);
    expect(await ids('RiskAssessment', 'probability=42')).toEqual([]);
  });

  it('rejects invalid numbers', async () => {
    await expect400('RiskAssessment', 'probability=abc', /Invalid number/);
    await expect400('RiskAssessment', 'probability=zz5', /Invalid number/);
  });
});

describe('quantity', () => {
  it('value, prefixes, system and code or unit', async () => {
    expect(await ids('Observation', 'value-quantity=120.5')).toEqual(['o1']);
    expect(await ids('Observation', 'value-quantity=120')).toEqual([]);
    expect(await ids('Observation', 'value-quantity=gt100')).toEqual(['o1']);
    expect(await ids('Observation', 'value-quantity=ge100')).toEqual(['o1', 'o2']);
    expect(await ids('Observation', 'value-quantity=lt100')).toEqual(['o3']);
    expect(await ids('Observation', `value-quantity=100|${UCUM}|mm[Hg]`)).toEqual(['o2']);
    expect(await ids('Observation', 'value-quantity=100||mmHg')).toEqual(['o2']);
    expect(await ids('Observation', `value-quantity=80|${UCUM}|mm[Hg]`)).toEqual([]);
    expect(await ids('Observation', `value-quantity=gt0|${UCUM}|kg`)).toEqual(['o3']);
    expect(await ids('Observation', 'value-quantity=80|http://other|kg')).toEqual([]);
    await expect400('Observation', 'value-quantity=80|kg', /Invalid quantity/);
  });
});

describe('reference', () => {
  it('Type/id, id, absolute URLs, :Type, :identifier', async () => {
    expect(await ids('Observation', 'subject=Patient/p1')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject=p1')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject:Patient=p1')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject:Group=p1')).toEqual([]);
    expect(await ids('Observation', 'subject=Patient/p2')).toEqual(['o2']); // stored as an absolute URL under the base
    expect(await ids('Observation', `subject=${BASE}/Patient/p1`)).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject=http://elsewhere.example/fhir/Patient/p1')).toEqual([]);
    expect(await ids('Observation', 'subject=Patient/p1,Group/g1')).toEqual(['o1', 'o3', 'o4']);
    expect(await ids('Observation', 'patient=Patient/p1')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'patient=g1')).toEqual([]); // patient only indexes Patient subjects
    expect(await ids('Patient', 'general-practitioner=http://other.example/fhir/Organization/o9')).toEqual(['p1']);
    expect(await ids('Patient', 'general-practitioner=Practitioner/gp2')).toEqual([]);
    expect(await ids('Observation', `subject:identifier=${CPR}|0101701234`)).toEqual(['o5']);
    expect(await ids('Observation', `subject:identifier=${CPR}|0000000000`)).toEqual([]);
    expect(await ids('QuestionnaireResponse', 'questionnaire=http://x.dk/Questionnaire/q')).toEqual(['qr1']);
    expect(await ids('QuestionnaireResponse', 'questionnaire=http://x.dk/Questionnaire/q|2.0')).toEqual(['qr1']);
    expect(await ids('QuestionnaireResponse', 'questionnaire=http://x.dk/Questionnaire/q|1.0')).toEqual([]);
  });
});

describe('uri', () => {
  it('exact, :below, :above, _profile, _source', async () => {
    expect(await ids('ValueSet', 'url=http://example.dk/fhir/ValueSet/diabetes')).toEqual(['vs1']);
    expect(await ids('ValueSet', 'url=http://example.dk/fhir/ValueSet/diab')).toEqual([]);
    expect(await ids('ValueSet', 'url:below=http://example.dk/fhir')).toEqual(['vs1', 'vs2']);
    expect(await ids('ValueSet', 'url:below=http://example.dk/fhir/ValueSet/diabetes/')).toEqual(['vs1', 'vs2']);
    expect(await ids('ValueSet', 'url:below=http://example.dk/fhir/ValueSet/diab')).toEqual([]);
    expect(await ids('ValueSet', 'url:above=http://example.dk/fhir/ValueSet/diabetes/type2/x')).toEqual(['vs1', 'vs2']);
    expect(await ids('ValueSet', 'url:above=http://example.dk/fhir/ValueSet/diabetes')).toEqual(['vs1']);
    expect(await ids('ValueSet', 'url:above=http://example.dk/fhir/ValueSet')).toEqual([]);
    expect(await ids('Patient', '_profile=http://example.dk/StructureDefinition/patient')).toEqual(['p1']);
    expect(await ids('Patient', '_profile=http://example.dk/StructureDefinition/other')).toEqual([]);
    expect(await ids('Patient', '_source=http://example.dk/source%23a')).toEqual(['p1']);
  });
});

describe('chains', () => {
  it('one level, with and without a type modifier', async () => {
    expect(await ids('Observation', 'subject:Patient.family=sorensen')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject.family=jensen')).toEqual(['o2']);
    expect(await ids('Observation', 'subject:Patient.birthdate=lt1971')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject:Patient.gender=female')).toEqual(['o2']);
    expect(await ids('Observation', 'subject.family=nobody')).toEqual([]);
  });

  it('does not follow references to deleted resources', async () => {
    expect(await ids('Observation', 'subject=Patient/p5')).toEqual(['o6']);
    expect(await ids('Observation', 'subject:Patient.family=slettet')).toEqual([]);
  });

  it('two levels', async () => {
    expect(await ids('Observation', 'subject:Patient.general-practitioner:Practitioner.given=karen')).toEqual(['o1', 'o3']);
    expect(await ids('Observation', 'subject:Patient.general-practitioner:Practitioner.given=peter')).toEqual([]);
    expect(await ids('Observation', 'subject:Patient.general-practitioner.family=læge')).toEqual(['o1', 'o3']);
  });

  it('unknown chained parameters are reported', async () => {
    const r = await search('Observation', 'subject:Patient.nope=x');
    expect(r.unknown).toEqual(['subject:Patient.nope']);
  });
});

describe('_has', () => {
  it('reverse chains, nested', async () => {
    expect(await ids('Patient', `_has:Observation:patient:code=${LOINC}|8480-6`)).toEqual(['p1', 'p2']);
    expect(await ids('Patient', '_has:Observation:subject:code=29463-7')).toEqual(['p1']);
    expect(await ids('Patient', '_has:Observation:subject:code=nothing')).toEqual([]);
    expect(await ids('Patient', '_has:Observation:subject:_has:Provenance:target:agent=Practitioner/gp1')).toEqual(['p2']);
    expect(await ids('Patient', '_has:Observation:subject:_has:Provenance:target:agent=Practitioner/gp2')).toEqual([]);
    expect(await ids('Practitioner', '_has:Observation:performer:status=final')).toEqual(['gp1']);
    expect(await ids('Practitioner', '_has:Observation:performer:status=preliminary')).toEqual([]);
  });
});

describe('sort and paging', () => {
  it('sorts by string, date (desc), several keys, and puts missing values last', async () => {
    expect((await search('Patient', '_sort=family')).ids).toEqual(['p3', 'p4', 'p2', 'p1']);
    expect((await search('Patient', '_sort=-family')).ids).toEqual(['p1', 'p2', 'p4', 'p3']);
    expect((await search('Patient', '_sort=-birthdate')).ids).toEqual(['p2', 'p4', 'p3', 'p1']);
    expect((await search('Patient', '_sort=birthdate')).ids).toEqual(['p3', 'p1', 'p4', 'p2']);
    expect((await search('Patient', '_sort=gender,-_id')).ids).toEqual(['p3', 'p2', 'p4', 'p1']);
    expect((await search('Patient', '_sort=active')).ids).toEqual(['p2', 'p1', 'p3', 'p4']);
    expect((await search('Patient', '_sort=-active')).ids).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect((await search('Patient', '_sort=-_lastUpdated')).ids).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect((await search('Observation', '_sort=-value-quantity&value-quantity:missing=false')).ids).toEqual(['o1', 'o2', 'o3']);
    const unknownSort = await search('Patient', '_sort=nope,-birthdate');
    expect(unknownSort.unknown).toEqual(['_sort=nope']);
    expect(unknownSort.ids).toEqual(['p2', 'p4', 'p3', 'p1']);
  });

  it('pages with _count and _offset, stable and with totals', async () => {
    const first = await search('Patient', '_sort=family&_count=2');
    expect(first.ids).toEqual(['p3', 'p4']);
    expect(first.total).toBe(4);
    const second = await search('Patient', '_sort=family&_count=2&_offset=2');
    expect(second.ids).toEqual(['p2', 'p1']);
    expect(second.total).toBe(4);
    const beyond = await search('Patient', '_count=2&_offset=4');
    expect(beyond.ids).toEqual([]);
    expect(beyond.total).toBe(4);
    // Ties (same gender) keep insertion order across pages.
    const a = await search('Patient', '_sort=gender&_count=1');
    const b = await search('Patient', '_sort=gender&_count=1&_offset=1');
    expect([...a.ids, ...b.ids]).toEqual(['p2', 'p3']);
  });

  it('_total and _count=0', async () => {
    expect((await search('Patient', '_total=none&_count=2')).total).toBeUndefined();
    expect((await search('Patient', '_total=accurate&gender=female')).total).toBe(2);
    const count = await search('Patient', '_count=0&gender=male');
    expect(count.ids).toEqual([]);
    expect(count.total).toBe(2);
    await expect400('Patient', '_count=-1', /_count/);
    await expect400('Patient', '_total=maybe', /_total/);
  });

  it('returns the stored JSON of the current version', async () => {
    const r = await search('Patient', '_id=p4');
    expect(r.page.versions[0].versionId).toBe(2);
    expect(JSON.parse(r.page.versions[0].json as string).telecom[0].value).toBe('hans@example.dk');
  });
});

describe('anyOf (compartments)', () => {
  it('matches when any alternative holds', async () => {
    const { plan } = buildSearchPlan(['Observation'], query('status=final'), { defaultCount: 100, maxCount: 1000 });
    plan.where.push({
      kind: 'anyOf',
      alternatives: [
        { kind: 'reference', code: 'subject', any: [{ targetType: 'Patient', targetId: 'p1' }] },
        { kind: 'reference', code: 'performer', any: [{ targetType: 'Patient', targetId: 'p1' }] },
      ],
    });
    expect((await store.search(plan)).versions.map((v) => v.id).sort()).toEqual(['o1', 'o3']);
    plan.where[plan.where.length - 1] = {
      kind: 'anyOf',
      alternatives: [{ kind: 'reference', code: 'performer', any: [{ targetType: 'Patient', targetId: 'p1' }] }],
    };
    expect((await store.search(plan)).versions).toEqual([]);
  });
});

describe('several types', () => {
  it('searches a parameter across types', async () => {
    expect(await ids(['Patient', 'Practitioner'], 'name=karen')).toEqual(['gp1']);
    expect(await ids(['Patient', 'Practitioner'], 'name=s')).toEqual(['p1']);
    expect(await ids(['Patient', 'Practitioner'], '_id=p1,gp2')).toEqual(['gp2', 'p1']);
  });
});

describe('system search', () => {
  it('over many types (and all types)', async () => {
    const many = ['Patient', 'Practitioner', 'Observation', 'Organization', 'Encounter', 'ValueSet'];
    expect(await ids(many, '_id=p1,gp1,o1,vs1')).toEqual(['gp1', 'o1', 'p1', 'vs1']);
    expect(await ids(many, 'name=karen')).toEqual(['gp1']);
    expect(await ids(many, '_tag=pilot')).toEqual(['p1']);
    expect(await ids([], '_id=p1,o1,r1')).toEqual(['o1', 'p1', 'r1']);
  });
});

describe('a parameter nothing was indexed with yet', () => {
  const patient = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Patient', id, meta: { versionId: '1', lastUpdated: '2024-04-01T00:00:00.000Z' }, ...extra }) as Resource;
  const write = (r: Resource) => store.transaction((tx) => tx.write({ type: 'Patient', id: r.id!, versionId: 1, lastUpdated: '2024-04-01T00:00:00.000Z', method: 'POST', json: JSON.stringify(r), index: extractIndex(r) }));

  it('finds the first resource indexed with it, after a search that found none', async () => {
    expect(await ids('Patient', 'language=da')).toEqual([]);
    await write(patient('lang1', { communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'da' }] } }] }));
    expect(await ids('Patient', 'language=da')).toEqual(['lang1']);
  });

  it('forgets a first use that was rolled back, and finds a later one', async () => {
    expect(await ids('Patient', 'death-date=2020-01-01')).toEqual([]);
    await expect(
      store.transaction(async (tx) => {
        const r = patient('dead1', { deceasedDateTime: '2020-01-01' });
        await tx.write({ type: 'Patient', id: 'dead1', versionId: 1, lastUpdated: '2024-04-01T00:00:00.000Z', method: 'POST', json: JSON.stringify(r), index: extractIndex(r) });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await ids('Patient', 'death-date=2020-01-01')).toEqual([]);
    await write(patient('dead2', { deceasedDateTime: '2020-01-01' }));
    expect(await ids('Patient', 'death-date=2020-01-01')).toEqual(['dead2']);
  });
});
