import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { getDataType, isPrimitiveType, validateResource } from '@medplum/core';
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBaseDefinitions } from '../../src/fhir/definitions.js';
import { invariantStats } from '../../src/validation/invariants.js';
import { validateStructure } from '../../src/validation/structure.js';

/*
 * The compiled structural validator (src/validation/structure.ts) against its oracle, @medplum/core's
 * validateResource: same verdict on every official R4 example, and on a few hundred broken variants of some
 * of them, where both must reject and the compiled validator must name the broken element. The compiled
 * invariant closures are cross-checked against fhirpath.js on every evaluation along the way.
 */

type Json = Record<string, unknown>;
type Issue = OperationOutcomeIssue;

const require = createRequire(import.meta.url);
const examplesDir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));

/**
 * Examples on which the compiled validator and core may disagree, each because core is wrong per the FHIR
 * specification. Empty: they agree on all 5,306.
 */
const DOCUMENTED_EXAMPLE_DISAGREEMENTS: Record<string, string> = {};

const isError = (i: Issue): boolean => i.severity === 'error' || i.severity === 'fatal';

function coreErrors(resource: unknown): Issue[] {
  try {
    // core merges `_x` objects into the resource it validates: give it a copy
    return validateResource(structuredClone(resource) as never).filter(isError);
  } catch (err) {
    const issues = (err as { outcome?: { issue?: Issue[] } }).outcome?.issue;
    return issues ? issues.filter(isError) : [{ severity: 'error', code: 'exception', details: { text: String(err) } }];
  }
}

function myErrors(resource: unknown): Issue[] {
  const issues: Issue[] = [];
  validateStructure(resource as Json, issues);
  return issues.filter(isError);
}

const describeIssues = (issues: Issue[]): string =>
  JSON.stringify(issues.slice(0, 6).map((i) => [i.expression?.[0], i.details?.text]));

function example(file: string): Json {
  return JSON.parse(readFileSync(`${examplesDir}/${file}`, 'utf8')) as Json;
}

beforeAll(() => {
  loadBaseDefinitions();
});

describe('compiled structure validation: the official R4 examples', () => {
  it('gives core\'s verdict on every example, and its closures agree with fhirpath.js', () => {
    invariantStats.crossCheck = true;
    invariantStats.mismatches.length = 0;
    invariantStats.fast = 0;
    invariantStats.slow = 0;
    const disagreements: string[] = [];
    const documented: string[] = [];
    const mutated: string[] = [];
    let total = 0;
    let invalid = 0;
    try {
      for (const file of readdirSync(examplesDir).sort()) {
        if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
        let resource: Json;
        try {
          resource = example(file);
        } catch {
          continue;
        }
        if (typeof resource?.resourceType !== 'string') continue;
        total++;
        const before = JSON.stringify(resource);
        const mine = myErrors(resource);
        if (JSON.stringify(resource) !== before) mutated.push(file);
        const core = coreErrors(resource);
        if (core.length > 0) invalid++;
        if ((core.length > 0) === (mine.length > 0)) continue;
        const line = `${file}\n    core: ${describeIssues(core)}\n    mine: ${describeIssues(mine)}`;
        (DOCUMENTED_EXAMPLE_DISAGREEMENTS[file] ? documented : disagreements).push(line);
      }
    } finally {
      invariantStats.crossCheck = false;
    }
    console.log(
      `R4 examples: ${total}, ${invalid} invalid for core, ${disagreements.length} disagreements, ` +
        `${documented.length} documented; invariant evaluations: ${invariantStats.fast} compiled (each also run on fhirpath.js), ` +
        `${invariantStats.slow} on fhirpath.js only`,
    );
    expect(total).toBeGreaterThan(5000);
    expect(mutated, 'the validator must not change its input').toEqual([]);
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    expect(invariantStats.mismatches, invariantStats.mismatches.slice(0, 20).join('\n')).toEqual([]);
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Broken variants

/** One element occurrence in an example, found by walking it with core's own schemas. */
interface Site {
  /** Keys/indices from the root to the object holding the element. */
  readonly parentSegments: (string | number)[];
  readonly parentPath: string;
  readonly key: string;
  readonly elementKey: string;
  readonly element: InternalSchemaElement;
  readonly type: string;
  readonly value: unknown;
  readonly parent: Json;
}

interface ObjectSite {
  readonly segments: (string | number)[];
  readonly path: string;
  readonly schema: InternalTypeSchema;
  readonly obj: Json;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function findElement(schema: InternalTypeSchema, key: string): { elementKey: string; element: InternalSchemaElement; type: string } | undefined {
  const direct = schema.elements[key];
  if (direct) return { elementKey: key, element: direct, type: direct.type[0].code };
  for (const [elementKey, element] of Object.entries(schema.elements)) {
    if (!elementKey.endsWith('[x]')) continue;
    const name = elementKey.slice(0, -3);
    const t = element.type.find((t) => name + capitalize(t.code) === key);
    if (t) return { elementKey, element, type: t.code };
  }
  return undefined;
}

function walk(obj: Json, schema: InternalTypeSchema, segments: (string | number)[], path: string, sites: Site[], objects: ObjectSite[]): void {
  objects.push({ segments, path, schema, obj });
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const found = findElement(schema, key);
    if (!found) continue;
    sites.push({ parentSegments: segments, parentPath: path, key, ...found, value, parent: obj });
    if (isPrimitiveType(found.type)) continue;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) return;
      const childSegments = Array.isArray(value) ? [...segments, key, i] : [...segments, key];
      const childPath = Array.isArray(value) ? `${path}.${key}[${i}]` : `${path}.${key}`;
      const childType = found.type === 'Resource' ? String((item as Json).resourceType) : found.type;
      walk(item as Json, getDataType(childType), childSegments, childPath, sites, objects);
    });
  }
}

function locate(root: Json, segments: (string | number)[]): Json {
  let cur: unknown = root;
  for (const s of segments) cur = (cur as Record<string | number, unknown>)[s];
  return cur as Json;
}

interface Variant {
  readonly name: string;
  readonly resource: Json;
  /** The element the compiled validator must name in an error. */
  readonly expected: string;
}

const STRING_TYPES = new Set(['string', 'code', 'id', 'uri', 'url', 'canonical', 'markdown', 'oid', 'uuid', 'base64Binary', 'xhtml', 'date', 'dateTime', 'instant', 'time']);
const BAD_FORMAT: Record<string, unknown> = {
  date: '2020-13-45',
  dateTime: 'yesterday',
  instant: '2020-01-01',
  time: '25:00',
  uri: 'has a space',
  url: 'has a space',
  canonical: 'has a space',
  code: 'two  spaces',
  id: 'not an id!',
  oid: '1.2.3',
  uuid: '1234',
  base64Binary: '@@@',
  positiveInt: 0,
  unsignedInt: -1,
  integer: 1.5,
};
const WRONG_TYPE: Record<string, unknown> = { boolean: 'true', integer: '1', positiveInt: '1', unsignedInt: '1', decimal: '1.5' };

/** Sites spread over the example: first, middle and last of those that qualify. */
function spread<T>(items: T[], n = 3): T[] {
  if (items.length <= n) return items;
  const picked = new Set([0, Math.floor(items.length / 2), items.length - 1]);
  return [...picked].map((i) => items[i]);
}

function variantsOf(file: string): Variant[] {
  const original = example(file);
  const rt = String(original.resourceType);
  const sites: Site[] = [];
  const objects: ObjectSite[] = [];
  walk(original, getDataType(rt), [], rt, sites, objects);
  const out: Variant[] = [];
  const add = (kind: string, site: { parentSegments: (string | number)[] } | undefined, change: (parent: Json, root: Json) => void, expected: string, detail = ''): void => {
    const resource = structuredClone(original);
    change(site ? locate(resource, site.parentSegments) : resource, resource);
    out.push({ name: `${file} ${kind} ${detail || expected}`, resource, expected });
  };
  const sitePath = (s: Site): string => `${s.parentPath}.${s.key}`;
  const firstItemPath = (s: Site): string => (Array.isArray(s.value) ? `${sitePath(s)}[0]` : sitePath(s));
  const primitive = sites.filter((s) => isPrimitiveType(s.type) && !(`_${s.key}` in s.parent));
  const complex = sites.filter((s) => !isPrimitiveType(s.type));
  const setFirst = (s: Site, v: unknown) => (parent: Json): void => {
    if (Array.isArray(parent[s.key])) (parent[s.key] as unknown[])[0] = v;
    else parent[s.key] = v;
  };

  // Wrong JSON types for primitives
  for (const s of spread(primitive.filter((s) => STRING_TYPES.has(s.type)))) add('number-for-string', s, setFirst(s, 12345), firstItemPath(s));
  for (const s of spread(primitive.filter((s) => s.type in WRONG_TYPE))) add('wrong-json-type', s, setFirst(s, WRONG_TYPE[s.type]), firstItemPath(s));
  // Formats, whitespace-only strings
  for (const type of Object.keys(BAD_FORMAT)) {
    for (const s of spread(primitive.filter((s) => s.type === type), 2)) add(`bad-${type}`, s, setFirst(s, BAD_FORMAT[type]), firstItemPath(s));
  }
  for (const s of spread(primitive.filter((s) => STRING_TYPES.has(s.type)))) add('blank-string', s, setFirst(s, '   '), firstItemPath(s));
  // Cardinality: a single value given as an array, an array given as a single value
  for (const s of spread(sites.filter((s) => !s.element.isArray && !Array.isArray(s.value)))) {
    add('array-for-single', s, (p) => void (p[s.key] = [s.value]), sitePath(s));
  }
  for (const s of spread(sites.filter((s) => s.element.isArray && Array.isArray(s.value) && s.value.length > 0))) {
    add('single-for-array', s, (p) => void (p[s.key] = (s.value as unknown[])[0]), sitePath(s));
  }
  // Nulls, empty objects, strings for objects
  for (const s of spread(sites.filter((s) => Array.isArray(s.value)))) {
    const n = (s.value as unknown[]).length;
    add('null-in-array', s, (p) => void (p[s.key] as unknown[]).push(null), `${sitePath(s)}[${n}]`);
  }
  for (const s of spread(complex.filter((s) => Array.isArray(s.value)))) {
    const n = (s.value as unknown[]).length;
    add('empty-object-in-array', s, (p) => void (p[s.key] as unknown[]).push({}), `${sitePath(s)}[${n}]`);
  }
  for (const s of spread(complex)) add('string-for-object', s, setFirst(s, 'some text'), firstItemPath(s));
  // Unknown properties
  add('unknown-property', undefined, (_p, r) => void (r.favouriteColour = 'blue'), `${rt}.favouriteColour`);
  add('unknown-extension-sibling', undefined, (_p, r) => void (r._favouriteColour = { id: 'x' }), `${rt}._favouriteColour`);
  for (const o of spread(objects.slice(1), 3)) {
    add('unknown-nested-property', { parentSegments: o.segments }, (p) => void (p.bogusProperty = 1), `${o.path}.bogusProperty`);
  }
  // Required elements missing
  const required = objects.flatMap((o) =>
    Object.entries(o.schema.elements)
      .filter(([k, e]) => e.min > 0 && !k.endsWith('[x]') && o.obj[k] !== undefined && o.obj[`_${k}`] === undefined)
      .map(([k]) => ({ o, k })),
  );
  for (const { o, k } of spread(required, 4)) {
    add('missing-required', { parentSegments: o.segments }, (p) => void delete p[k], `${o.path}.${k}`);
  }
  // Choice types: a type the element does not allow
  for (const s of spread(sites.filter((s) => s.elementKey.endsWith('[x]')))) {
    const name = s.elementKey.slice(0, -3);
    const allowed = new Set(s.element.type.map((t) => capitalize(t.code)));
    const wrong = ['Foo', 'Narrative', 'Meta', 'Bundle'].filter((t) => !allowed.has(t)).slice(0, 2);
    for (const t of wrong) {
      add(`choice-${t}`, s, (p) => {
        p[name + t] = p[s.key];
        delete p[s.key];
      }, `${s.parentPath}.${name}${t}`);
    }
  }
  // Primitive extensions (`_x`)
  for (const s of spread(primitive.filter((s) => !Array.isArray(s.value)))) {
    add('ext-not-object', s, (p) => void (p[`_${s.key}`] = 'x'), `${s.parentPath}._${s.key}`);
    add('ext-unknown-property', s, (p) => void (p[`_${s.key}`] = { bogus: 1 }), `${sitePath(s)}.bogus`);
    add('ext-without-value', s, (p) => void (p[`_${s.key}`] = { extension: [{ url: 'http://example.org/x' }] }), `${sitePath(s)}.extension[0]`);
  }
  for (const s of spread(primitive.filter((s) => Array.isArray(s.value)))) {
    add('ext-array-unknown-property', s, (p) => void (p[`_${s.key}`] = [{ bogus: 1 }]), `${sitePath(s)}[0].bogus`);
    add('ext-array-null-partner', s, (p) => {
      (p[s.key] as unknown[]).unshift(null);
      p[`_${s.key}`] = [null];
    }, `${sitePath(s)}[0]`);
  }
  return out;
}

/** Invariant violations, written by hand: the element that carries the invariant, and its key. */
const INVARIANT_CASES: { file: string; key: string; expected: string; change: (r: Json) => void }[] = [
  { file: 'Patient-example.json', key: 'pat-1', expected: 'Patient.contact[0]', change: (r) => void ((r.contact as Json[])[0] = { gender: 'female' }) },
  {
    file: 'Patient-example.json',
    key: 'ext-1',
    expected: 'Patient.extension[0]',
    change: (r) => void (r.extension = [{ url: 'http://example.org/a', valueString: 'a', extension: [{ url: 'http://example.org/b', valueString: 'b' }] }]),
  },
  {
    file: 'Patient-example.json',
    key: 'dom-2',
    expected: 'Patient',
    change: (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o', name: 'o', contained: [{ resourceType: 'Organization', id: 'p', name: 'p' }] }]),
  },
  {
    file: 'Patient-example.json',
    key: 'dom-4',
    expected: 'Patient',
    change: (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o', name: 'o', meta: { versionId: '2' } }]),
  },
  {
    file: 'Patient-example.json',
    key: 'dom-5',
    expected: 'Patient',
    change: (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o', name: 'o', meta: { security: [{ code: 'R' }] } }]),
  },
  { file: 'Observation-example.json', key: 'obs-6', expected: 'Observation', change: (r) => void (r.dataAbsentReason = { text: 'not asked' }) },
  {
    file: 'Observation-blood-pressure.json',
    key: 'obs-7',
    expected: 'Observation',
    change: (r) => {
      r.valueQuantity = { value: 120 };
      (r.component as Json[])[0].code = r.code;
    },
  },
  { file: 'Observation-example.json', key: 'obs-3', expected: 'Observation.referenceRange[0]', change: (r) => void (r.referenceRange = [{ type: { text: 'normal' } }]) },
  {
    file: 'CarePlan-example.json',
    key: 'cpl-3',
    expected: 'CarePlan.activity[0]',
    change: (r) => void ((r.activity as Json[])[0].reference = { reference: 'ServiceRequest/x' }),
  },
  { file: 'Condition-example.json', key: 'con-4', expected: 'Condition', change: (r) => void (r.abatementString = 'in remission') },
  {
    file: 'Bundle-bundle-transaction.json',
    key: 'bdl-3',
    expected: 'Bundle',
    change: (r) => void delete (r.entry as Json[])[0].request,
  },
  {
    file: 'Bundle-bundle-transaction.json',
    key: 'bdl-7',
    expected: 'Bundle',
    change: (r) => {
      const entries = r.entry as Json[];
      entries[1].fullUrl = entries[0].fullUrl;
      const res = (e: Json): Json => e.resource as Json;
      if (res(entries[0])) res(entries[0]).meta = { versionId: '1' };
      if (res(entries[1])) res(entries[1]).meta = { versionId: '1' };
    },
  },
  {
    file: 'Bundle-bundle-transaction.json',
    key: 'bdl-8',
    expected: 'Bundle.entry[0]',
    change: (r) => void ((r.entry as Json[])[0].fullUrl = 'http://example.org/fhir/Patient/1/_history/1'),
  },
  {
    file: 'MedicationRequest-medrx0301.json',
    key: 'tim-1',
    expected: 'MedicationRequest.dosageInstruction[0].timing.repeat',
    change: (r) => void (((r.dosageInstruction as Json[])[0].timing as Json).repeat = { duration: 5 }),
  },
  {
    file: 'Questionnaire-f201.json',
    key: 'que-1',
    expected: 'Questionnaire.item[0]',
    change: (r) => void ((r.item as Json[])[0] = { linkId: 'x', type: 'group', text: 'empty group' }),
  },
  {
    file: 'CareTeam-example.json',
    key: 'ctm-1',
    expected: 'CareTeam.participant[0]',
    change: (r) => void ((r.participant as Json[])[0] = { member: { reference: 'Organization/x' }, onBehalfOf: { reference: 'Organization/y' } }),
  },
];

const VARIANT_FILES = [
  'Patient-example.json',
  'Observation-example.json',
  'Observation-blood-pressure.json',
  'CarePlan-example.json',
  'Condition-example.json',
  'MedicationRequest-medrx0301.json',
  'Questionnaire-f201.json',
  'QuestionnaireResponse-3141.json',
  'Encounter-example.json',
  'AllergyIntolerance-example.json',
  'Practitioner-example.json',
  'Task-example1.json',
  'CareTeam-example.json',
  'Bundle-bundle-transaction.json',
];

describe('compiled structure validation: broken variants of examples', () => {
  it('both reject every variant, and the compiled validator names the broken element', () => {
    invariantStats.crossCheck = true;
    invariantStats.mismatches.length = 0;
    const failures: string[] = [];
    const variantNames: string[] = [];
    let count = 0;
    try {
      const variants: Variant[] = VARIANT_FILES.flatMap(variantsOf);
      for (const c of INVARIANT_CASES) {
        const resource = example(c.file);
        expect(myErrors(resource), `${c.file} must be valid before the change`).toEqual([]);
        c.change(resource);
        variants.push({ name: `${c.file} invariant ${c.key}`, resource, expected: c.expected });
      }
      for (const v of variants) {
        count++;
        variantNames.push(v.name);
        const mine = myErrors(v.resource);
        const core = coreErrors(v.resource);
        if (core.length === 0) failures.push(`${v.name}: core accepts it\n    mine: ${describeIssues(mine)}`);
        if (!mine.some((i) => i.expression?.[0] === v.expected)) {
          failures.push(`${v.name}: no error at ${v.expected}\n    mine: ${describeIssues(mine)}\n    core: ${describeIssues(core)}`);
        }
      }
      // each invariant case must fail on the named invariant, not by accident
      for (const c of INVARIANT_CASES) {
        const resource = example(c.file);
        c.change(resource);
        const texts = myErrors(resource).map((i) => i.details?.text ?? '');
        if (!texts.some((t) => t.startsWith(`Constraint ${c.key} not met`))) failures.push(`${c.file}: ${c.key} not reported: ${JSON.stringify(texts)}`);
      }
    } finally {
      invariantStats.crossCheck = false;
    }
    const kinds = new Map<string, number>();
    for (const v of variantNames) kinds.set(v.split(' ')[1], (kinds.get(v.split(' ')[1]) ?? 0) + 1);
    console.log(`broken variants: ${count}, failures: ${failures.length}; by kind: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(count).toBeGreaterThan(300);
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    expect(invariantStats.mismatches, invariantStats.mismatches.slice(0, 20).join('\n')).toEqual([]);
  }, 300_000);
});

/** Errors of the compiled validator that are documented differences with core (see STRICTER_THAN_CORE below). */
const DOCUMENTED_STRICTER = /^(Invalid JSON type: expected object, but got (number|boolean)|Unknown data type: |Constraint (que-2|csd-1|sdf-9) not met)/;

describe('compiled structure validation: random mutations', () => {
  it('gives core\'s verdict on seeded random mutations of examples', () => {
    let seed = 20240601;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const VALUES: unknown[] = [null, '', ' ', 'x', 'a b', 0, -1, 1.5, true, false, {}, [], [null], ['x'], [{}], { a: 1 }, { id: 'x' },
      { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }, '2020', '2020-01-01T10:00:00Z', '2016-10-31T09:45:05+10:00',
      'group', 'display', 'transaction', 'final', 'Patient/1', '#p1', 'http://unitsofmeasure.org'];
    type Slot = { parent: Record<string | number, unknown>; key: string | number };
    const slots = (v: unknown, acc: Slot[] = []): Slot[] => {
      if (Array.isArray(v)) v.forEach((x, i) => (acc.push({ parent: v as never, key: i }), slots(x, acc)));
      else if (v && typeof v === 'object') for (const k of Object.keys(v)) (acc.push({ parent: v as never, key: k }), slots((v as Json)[k], acc));
      return acc;
    };
    const mutations: ((s: Slot) => void)[] = [
      (s) => void (s.parent[s.key] = structuredClone(pick(VALUES))),
      (s) => void (Array.isArray(s.parent) ? s.parent.push(structuredClone(s.parent[s.key as number])) : delete s.parent[s.key]),
      (s) => void (typeof s.key === 'string' && !Array.isArray(s.parent) && (s.parent[`_${s.key}`] = structuredClone(pick(VALUES)))),
      (s) => void (s.parent[s.key] = [s.parent[s.key]]),
      (s) => {
        const v = s.parent[s.key];
        if (Array.isArray(v) && v.length > 0) s.parent[s.key] = v[0];
      },
      (s) => {
        const m = typeof s.key === 'string' ? /^(_?[a-z][A-Za-z]*?)([A-Z].*)$/.exec(s.key) : null;
        if (!m || Array.isArray(s.parent)) return;
        s.parent[m[1] + pick(['String', 'Integer', 'Boolean', 'CodeableConcept', 'Quantity', 'Period', 'DateTime', 'Foo'])] = s.parent[s.key];
        delete s.parent[s.key];
      },
    ];
    const files = [...VARIANT_FILES, 'Appointment-example.json', 'MedicationDispense-meddisp0301.json', 'Composition-example.json', 'DiagnosticReport-f201.json'];
    const originals = files.map(example);
    invariantStats.crossCheck = true;
    invariantStats.mismatches.length = 0;
    const disagreements: string[] = [];
    let documented = 0;
    try {
      for (let n = 0; n < 1500; n++) {
        const resource = structuredClone(pick(originals));
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
          const s = pick(slots(resource));
          if (s && !(s.parent === resource && s.key === 'resourceType')) pick(mutations)(s);
        }
        const mine = myErrors(resource);
        const core = coreErrors(resource);
        if ((mine.length > 0) === (core.length > 0)) continue;
        if (core.length === 0 && mine.every((i) => DOCUMENTED_STRICTER.test(i.details?.text ?? ''))) {
          documented++;
          continue;
        }
        disagreements.push(`${String(resource.resourceType)}\n    core: ${describeIssues(core)}\n    mine: ${describeIssues(mine)}\n    ${JSON.stringify(resource).slice(0, 300)}`);
      }
    } finally {
      invariantStats.crossCheck = false;
    }
    console.log(`random mutations: 1500, ${disagreements.length} disagreements, ${documented} documented differences`);
    expect(disagreements, disagreements.slice(0, 10).join('\n')).toEqual([]);
    expect(invariantStats.mismatches, invariantStats.mismatches.slice(0, 20).join('\n')).toEqual([]);
  }, 300_000);
});

describe('compiled structure validation: edge cases', () => {
  const patient = (extra: Json): Json => ({ resourceType: 'Patient', ...extra });
  const observation = (extra: Json): Json => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...extra });

  it('accepts what core accepts: extension-only primitives, nulls with a `_x` partner, conflicting choices', () => {
    const accepted: Json[] = [
      patient({ _birthDate: { extension: [{ url: 'http://example.org/x', valueString: 'a' }] } }),
      patient({ name: [{ given: ['a', null], _given: [null, { extension: [{ url: 'http://example.org/x', valueString: 'b' }] }] }] }),
      patient({ name: [{ family: '' }] }), // core treats an empty string as absent
      patient({ name: [] }),
      observation({ valueString: 'a', valueFoo: 1 }), // core: a warning only
      observation({ contained: [{ id: 'no-type' }] }), // core validates it as a bare Resource
    ];
    for (const r of accepted) {
      expect(coreErrors(r), JSON.stringify(r)).toEqual([]);
      expect(myErrors(r), JSON.stringify(r)).toEqual([]);
    }
  });

  it('uses core\'s messages and codes', () => {
    const issues = (r: Json): [string | undefined, string | undefined, string | undefined][] =>
      myErrors(r).map((i) => [i.code, i.expression?.[0], i.details?.text]);
    expect(issues(patient({ active: 'yes' }))).toEqual([['structure', 'Patient.active', 'Invalid JSON type: expected boolean, but got string']]);
    expect(issues(patient({ birthDate: '1980-13-01' }))).toEqual([['structure', 'Patient.birthDate', 'Invalid date format']]);
    expect(issues(patient({ name: [{ foo: 1 }] }))).toEqual([['structure', 'Patient.name[0].foo', 'Invalid additional property "foo"']]);
    expect(issues({ resourceType: 'Observation' })).toEqual([
      ['structure', 'Observation.status', 'Missing required property'],
      ['structure', 'Observation.code', 'Missing required property'],
    ]);
    expect(issues(patient({ gender: ['male'] }))).toEqual([['structure', 'Patient.gender', 'Expected single value for property']]);
    expect(issues(patient({ name: { family: 'x' } }))).toEqual([['structure', 'Patient.name', 'Expected array of values for property']]);
    expect(issues(observation({ valueQuantity: { value: '1' } }))).toEqual([
      ['structure', 'Observation.valueQuantity.value', 'Invalid JSON type: expected number, but got string'],
    ]);
    expect(issues(patient({ multipleBirthInteger: 1.5 }))).toEqual([['structure', 'Patient.multipleBirthInteger', 'Expected number to be an integer']]);
    const ext1 = myErrors(patient({ extension: [{ url: 'http://example.org/x' }] }))[0];
    expect(ext1).toMatchObject({ code: 'invariant', expression: ['Patient.extension[0]'] });
    expect(ext1.details?.text).toBe('Constraint ext-1 not met: Must have either extensions or value[x], not both');
  });

  it('treats an empty value as absent in invariants too, as core does (app-2 with end "")', () => {
    const appointment = { resourceType: 'Appointment', status: 'booked', participant: [{ status: 'accepted', actor: { reference: 'Patient/1' } }] };
    expect(myErrors({ ...appointment, start: '2024-01-01T10:00:00Z', end: '2024-01-01T10:30:00Z' })).toEqual([]);
    const broken = { ...appointment, start: '2024-01-01T10:00:00Z', end: '' };
    expect(coreErrors(broken).map((i) => i.details?.text?.slice(0, 20))).toEqual(['Constraint app-2 not']);
    expect(myErrors(broken).map((i) => [i.expression?.[0], i.details?.text?.slice(0, 20)])).toEqual([['Appointment', 'Constraint app-2 not']]);
  });

  it('evaluates the invariants of everyday resources with compiled code, not fhirpath.js', () => {
    const files = ['Patient-example.json', 'Observation-example.json', 'Observation-blood-pressure.json', 'CarePlan-example.json', 'Condition-example.json', 'Encounter-example.json', 'CareTeam-example.json', 'Bundle-bundle-transaction.json', 'Task-example1.json'];
    const slow: string[] = [];
    const fastBefore = invariantStats.fast;
    for (const file of files) {
      const before = new Map(invariantStats.slowByKey);
      expect(myErrors(example(file)), file).toEqual([]);
      for (const [key, n] of invariantStats.slowByKey) if (n !== (before.get(key) ?? 0)) slow.push(`${file}: ${key}`);
    }
    expect(invariantStats.fast).toBeGreaterThan(fastBefore);
    expect(slow).toEqual([]);
  });

  it('does not change the resource it validates', () => {
    const r = observation({ code: { text: 'x' }, _code: { extension: [{ url: 'http://example.org/x', valueString: 'a' }] }, _status: { id: 's' } });
    const before = JSON.stringify(r);
    myErrors(r);
    expect(JSON.stringify(r)).toBe(before);
  });

  /**
   * Where core is wrong per the FHIR specification, the compiled validator keeps to the specification. Each case
   * is checked both ways, so that this list stays true.
   */
  const STRICTER_THAN_CORE: { reason: string; resource: Json }[] = [
    { reason: 'a number where an object is expected (core checks only the keys of objects)', resource: observation({ code: 5 }) },
    { reason: 'a property named like an Object.prototype member (core looks names up with `in`)', resource: patient({ toString: 'x' }) },
    { reason: 'a contained "resource" that is a data type (core validates it as that type)', resource: observation({ contained: [{ resourceType: 'HumanName', family: 'x' }] }) },
    {
      reason: 'que-2 uses descendants(), which core\'s FHIRPath engine evaluates to empty; fhirpath.js checks nested linkIds',
      resource: {
        resourceType: 'Questionnaire',
        status: 'draft',
        item: [{ linkId: 'a', type: 'group', item: [{ linkId: 'a', type: 'string' }] }],
      },
    },
  ];

  it.each(STRICTER_THAN_CORE)('documented difference: rejects $reason', ({ resource }) => {
    expect(coreErrors(resource)).toEqual([]);
    expect(myErrors(resource).length).toBeGreaterThan(0);
  });
});
