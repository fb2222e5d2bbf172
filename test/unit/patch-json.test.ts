import type { Patient, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { applyJsonPatch } from '../../src/fhir/patch/json-patch.js';

function patient(): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId: '3' },
    active: true,
    name: [{ family: 'Jensen', given: ['Anne', 'Marie'] }],
    telecom: [
      { system: 'phone', value: '12345678' },
      { system: 'email', value: 'anne@example.dk' },
    ],
    birthDate: '1970-01-01',
  };
}

function fhirError(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FhirError);
    return err as FhirError;
  }
  throw new Error('expected a FhirError');
}

function diagnostics(err: FhirError): string {
  return err.outcome.issue?.[0]?.diagnostics ?? '';
}

describe('applyJsonPatch', () => {
  it('applies add, remove, replace, move, copy and test in order', () => {
    const input = patient();
    const out = applyJsonPatch(input, [
      { op: 'test', path: '/birthDate', value: '1970-01-01' },
      { op: 'replace', path: '/birthDate', value: '1971-02-03' },
      { op: 'add', path: '/name/0/given/-', value: 'Sofie' },
      { op: 'add', path: '/identifier', value: [{ system: 'urn:oid:1.2.208.176.1.2', value: '0101701234' }] },
      { op: 'remove', path: '/active' },
      { op: 'move', from: '/telecom/1', path: '/telecom/0' },
      { op: 'copy', from: '/name/0/family', path: '/name/0/text' },
    ]) as Patient;
    expect(out.birthDate).toBe('1971-02-03');
    expect(out.name?.[0].given).toEqual(['Anne', 'Marie', 'Sofie']);
    expect(out.identifier).toEqual([{ system: 'urn:oid:1.2.208.176.1.2', value: '0101701234' }]);
    expect(out.active).toBeUndefined();
    expect(out.telecom?.map((t) => t.system)).toEqual(['email', 'phone']);
    expect(out.name?.[0].text).toBe('Jensen');
    expect(out.id).toBe('p1');
  });

  it('does not mutate the input resource or the patch values', () => {
    const input = patient();
    const before = structuredClone(input);
    const value = { system: 'sms', value: '999' };
    const body = [
      { op: 'add', path: '/telecom/-', value },
      { op: 'remove', path: '/name/0/given/0' },
    ];
    const out = applyJsonPatch(input, body) as Patient;
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect(out.telecom).toHaveLength(3);
    // the result does not share structure with the patch body
    (out.telecom![2] as { value: string }).value = 'changed';
    expect(value.value).toBe('999');
  });

  it('an empty patch returns an equal copy', () => {
    const input = patient();
    const out = applyJsonPatch(input, []);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it('rejects a body that is not an array with 400', () => {
    for (const body of [{ op: 'add', path: '/x', value: 1 }, 'nope', null, undefined, 42]) {
      const err = fhirError(() => applyJsonPatch(patient(), body));
      expect(err.status).toBe(400);
      expect(err.outcome.resourceType).toBe('OperationOutcome');
      expect(err.outcome.issue?.[0].severity).toBe('error');
      expect(diagnostics(err)).toMatch(/must be a JSON array/);
    }
  });

  it('rejects malformed operations with 400 naming the operation index', () => {
    const cases: [unknown, RegExp][] = [
      ['string', /operation 1: each operation must be a JSON object/],
      [{ op: 'frobnicate', path: '/a' }, /operation 1: 'op' must be one of/],
      [{ path: '/a', value: 1 }, /operation 1: 'op' must be one of/],
      [{ op: 'add', value: 1 }, /operation 1 \(add\): 'path' must be/],
      [{ op: 'add', path: '/a' }, /operation 1 \(add "\/a"\): 'value' is required/],
      [{ op: 'replace', path: '/a' }, /'value' is required/],
      [{ op: 'test', path: '/a' }, /'value' is required/],
      [{ op: 'move', path: '/a' }, /operation 1 \(move "\/a"\): 'from' must be/],
      [{ op: 'copy', path: '/a', from: 3 }, /'from' must be/],
      [{ op: 'add', path: 'birthDate', value: 'x' }, /is not a JSON Pointer/],
      [{ op: 'add', path: '/__proto__/polluted', value: true }, /forbidden token/],
      [{ op: 'add', path: '/a~2b', value: 1 }, /invalid '~' escape/],
    ];
    for (const [op, re] of cases) {
      const err = fhirError(() => applyJsonPatch(patient(), [{ op: 'test', path: '/id', value: 'p1' }, op]));
      expect(err.status, JSON.stringify(op)).toBe(400);
      expect(diagnostics(err), JSON.stringify(op)).toMatch(re);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a failing test operation is 422 and reports expected/actual', () => {
    const err = fhirError(() =>
      applyJsonPatch(patient(), [
        { op: 'replace', path: '/active', value: false },
        { op: 'test', path: '/birthDate', value: '1999-12-31' },
      ]),
    );
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/operation 1 \(test "\/birthDate"\): test failed/);
    expect(diagnostics(err)).toContain('"1999-12-31"');
    expect(diagnostics(err)).toContain('"1970-01-01"');
  });

  it('operations on missing elements are 422 naming the operation index', () => {
    const cases: [object, RegExp][] = [
      [{ op: 'remove', path: '/deceasedBoolean' }, /operation 0 \(remove "\/deceasedBoolean"\)/],
      [{ op: 'replace', path: '/maritalStatus', value: { text: 'x' } }, /does not exist/],
      [{ op: 'add', path: '/contact/0/name', value: { family: 'x' } }, /does not exist/],
      [{ op: 'remove', path: '/telecom/5' }, /does not exist/],
      [{ op: 'add', path: '/telecom/7', value: { system: 'fax' } }, /does not exist/],
      [{ op: 'move', from: '/address', path: '/x' }, /does not exist/],
      [{ op: 'replace', path: '/telecom/-', value: { system: 'fax' } }, /not a valid array index/],
      [{ op: 'remove', path: '/telecom/01' }, /not a valid array index/],
      [{ op: 'move', from: '/name/0', path: '/name/0/given/0' }, /operation 0/],
    ];
    for (const [op, re] of cases) {
      const err = fhirError(() => applyJsonPatch(patient(), [op]));
      expect(err.status, JSON.stringify(op)).toBe(422);
      expect(diagnostics(err), JSON.stringify(op)).toMatch(re);
    }
  });

  it('does not apply any operation when a later one fails (input untouched)', () => {
    const input = patient();
    const before = structuredClone(input);
    fhirError(() =>
      applyJsonPatch(input, [
        { op: 'replace', path: '/birthDate', value: '2000-01-01' },
        { op: 'remove', path: '/nothing' },
      ]),
    );
    expect(input).toEqual(before);
  });

  it('changing id or resourceType is 400; so is replacing the document with a non-object', () => {
    const cases: object[][] = [
      [{ op: 'replace', path: '/id', value: 'other' }],
      [{ op: 'remove', path: '/id' }],
      [{ op: 'replace', path: '/resourceType', value: 'Practitioner' }],
      [{ op: 'remove', path: '/resourceType' }],
    ];
    for (const ops of cases) {
      const err = fhirError(() => applyJsonPatch(patient(), ops));
      expect(err.status, JSON.stringify(ops)).toBe(400);
      expect(diagnostics(err)).toMatch(/must not change (the resource id|resourceType)/);
    }
    // a resource without id must stay without id
    const noId: Resource = { resourceType: 'Basic', code: { text: 'x' } } as Resource;
    const err = fhirError(() => applyJsonPatch(noId, [{ op: 'add', path: '/id', value: 'new' }]));
    expect(err.status).toBe(400);
    // replacing the id with the same value is fine
    expect(applyJsonPatch(patient(), [{ op: 'replace', path: '/id', value: 'p1' }]).id).toBe('p1');
  });

  it('replacing the whole document is rejected', () => {
    const err = fhirError(() => applyJsonPatch(patient(), [{ op: 'replace', path: '', value: { resourceType: 'Patient', id: 'p1' } }]));
    expect([400, 422]).toContain(err.status);
  });

  it('test compares structured values deeply', () => {
    const input = patient();
    const out = applyJsonPatch(input, [
      { op: 'test', path: '/name/0', value: { given: ['Anne', 'Marie'], family: 'Jensen' } },
      { op: 'replace', path: '/name/0/family', value: 'Hansen' },
    ]) as Patient;
    expect(out.name?.[0].family).toBe('Hansen');
    const err = fhirError(() => applyJsonPatch(input, [{ op: 'test', path: '/name/0', value: { family: 'Jensen' } }]));
    expect(err.status).toBe(422);
  });
});
