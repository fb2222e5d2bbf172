import type { Observation, Parameters, ParametersParameter, Patient, Questionnaire, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { applyFhirPathPatch } from '../../src/fhir/patch/fhirpath-patch.js';

function patient(): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId: '1' },
    identifier: [
      { system: 'urn:oid:1.2.208.176.1.2', value: '0101701234' },
      { system: 'http://example.org/mrn', value: 'MRN-1' },
    ],
    active: true,
    name: [
      { use: 'official', family: 'Jensen', given: ['Anne', 'Marie'] },
      { use: 'nickname', given: ['Annie'] },
    ],
    telecom: [
      { system: 'phone', value: '12345678', use: 'home' },
      { system: 'email', value: 'anne@example.dk' },
      { system: 'phone', value: '87654321', use: 'mobile' },
    ],
    gender: 'female',
    birthDate: '1970-01-01',
    deceasedBoolean: false,
  };
}

type Part = Omit<ParametersParameter, 'name'> & { name: string };

/** Build an `operation` parameter: op('replace', { path: 'Patient.birthDate', value: { valueDate: '1930-01-01' } }). */
function op(
  type: string,
  parts: { path: string; name?: string; value?: Omit<Part, 'name'>; index?: number; source?: number; destination?: number },
): ParametersParameter {
  const part: Part[] = [
    { name: 'type', valueCode: type },
    { name: 'path', valueString: parts.path },
  ];
  if (parts.name !== undefined) part.push({ name: 'name', valueString: parts.name });
  if (parts.value !== undefined) part.push({ name: 'value', ...parts.value });
  for (const k of ['index', 'source', 'destination'] as const) {
    if (parts[k] !== undefined) part.push({ name: k, valueInteger: parts[k] });
  }
  return { name: 'operation', part };
}

function patch(...operations: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter: operations };
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

describe('applyFhirPathPatch: examples from the FHIRPath Patch spec page', () => {
  it('add: adds birthDate to a patient that has none (spec example, XML form translated)', () => {
    const input: Patient = { resourceType: 'Patient', id: 'p1' };
    const params: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'operation',
          part: [
            { name: 'type', valueCode: 'add' },
            { name: 'path', valueString: 'Patient' },
            { name: 'name', valueString: 'birthDate' },
            { name: 'value', valueDate: '1930-01-01' },
          ],
        },
      ],
    };
    expect(applyFhirPathPatch(input, params)).toEqual({ resourceType: 'Patient', id: 'p1', birthDate: '1930-01-01' });
  });

  it('replace: replaces birthDate', () => {
    const out = applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.birthDate', value: { valueDate: '1930-01-01' } }))) as Patient;
    expect(out.birthDate).toBe('1930-01-01');
  });

  it('delete: deletes birthDate', () => {
    const out = applyFhirPathPatch(patient(), patch(op('delete', { path: 'Patient.birthDate' }))) as Patient;
    expect(out.birthDate).toBeUndefined();
    expect('birthDate' in out).toBe(false);
  });

  it('insert: inserts an identifier at index 1', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('insert', { path: 'Patient.identifier', index: 1, value: { valueIdentifier: { system: 'http://example.org/x', value: 'X' } } })),
    ) as Patient;
    expect(out.identifier?.map((i) => i.value)).toEqual(['0101701234', 'X', 'MRN-1']);
  });

  it('move: moves the identifier at source 1 to destination 0', () => {
    const out = applyFhirPathPatch(patient(), patch(op('move', { path: 'Patient.identifier', source: 1, destination: 0 }))) as Patient;
    expect(out.identifier?.map((i) => i.value)).toEqual(['MRN-1', '0101701234']);
  });
});

describe('applyFhirPathPatch: add', () => {
  it('appends an identifier to the identifier list', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('add', { path: 'Patient', name: 'identifier', value: { valueIdentifier: { system: 'http://example.org/y', value: 'Y' } } })),
    ) as Patient;
    expect(out.identifier).toHaveLength(3);
    expect(out.identifier?.[2]).toEqual({ system: 'http://example.org/y', value: 'Y' });
  });

  it('creates the list when a repeating element is absent', () => {
    const input: Patient = { resourceType: 'Patient', id: 'p1' };
    const out = applyFhirPathPatch(
      input,
      patch(op('add', { path: 'Patient', name: 'identifier', value: { valueIdentifier: { value: 'Y' } } })),
    ) as Patient;
    expect(out.identifier).toEqual([{ value: 'Y' }]);
  });

  it('adds a given name to the official name (path with where())', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('add', { path: "Patient.name.where(use = 'official')", name: 'given', value: { valueString: 'Sofie' } })),
    ) as Patient;
    expect(out.name?.[0].given).toEqual(['Anne', 'Marie', 'Sofie']);
    expect(out.name?.[1].given).toEqual(['Annie']);
  });

  it('adds a HumanName given as nested parts, with repeating given', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('add', {
          path: 'Patient',
          name: 'name',
          value: {
            part: [
              { name: 'use', valueCode: 'maiden' },
              { name: 'family', valueString: 'Hansen' },
              { name: 'given', valueString: 'Anne' },
            ],
          },
        }),
      ),
    ) as Patient;
    expect(out.name?.[2]).toEqual({ use: 'maiden', family: 'Hansen', given: ['Anne'] });
  });

  it('adds a HumanName given as valueHumanName', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('add', { path: 'Patient', name: 'name', value: { valueHumanName: { family: 'Hansen', given: ['A', 'B'] } } })),
    ) as Patient;
    expect(out.name?.[2]).toEqual({ family: 'Hansen', given: ['A', 'B'] });
  });

  it('adds a backbone element (Patient.contact) from nested parts, including nested complex parts', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('add', {
          path: 'Patient',
          name: 'contact',
          value: {
            part: [
              { name: 'name', valueHumanName: { family: 'Nielsen' } },
              { name: 'telecom', part: [{ name: 'system', valueCode: 'phone' }, { name: 'value', valueString: '11223344' }] },
              { name: 'relationship', valueCodeableConcept: { text: 'spouse' } },
            ],
          },
        }),
      ),
    ) as Patient;
    expect(out.contact).toEqual([
      { name: { family: 'Nielsen' }, telecom: [{ system: 'phone', value: '11223344' }], relationship: [{ text: 'spouse' }] },
    ]);
  });

  it('sets a singleton that is absent, and refuses one that is present (422)', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('add', { path: 'Patient', name: 'maritalStatus', value: { valueCodeableConcept: { text: 'Married' } } })),
    ) as Patient;
    expect(out.maritalStatus).toEqual({ text: 'Married' });

    const err = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient', name: 'birthDate', value: { valueDate: '2000-01-01' } }))),
    );
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/operation 0 \(add Patient\): 'birthDate' already has a value/);
  });

  it('names a choice element by the value[x] type and refuses a second choice value', () => {
    const input: Patient = { resourceType: 'Patient', id: 'p1' };
    const out = applyFhirPathPatch(
      input,
      patch(op('add', { path: 'Patient', name: 'deceased', value: { valueDateTime: '2020-05-01T10:00:00+02:00' } })),
    ) as Patient;
    expect(out.deceasedDateTime).toBe('2020-05-01T10:00:00+02:00');

    const err = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient', name: 'deceased', value: { valueDateTime: '2020-05-01' } }))),
    );
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/deceasedBoolean' already has a value/);

    const bad = fhirError(() =>
      applyFhirPathPatch(input, patch(op('add', { path: 'Patient', name: 'deceased', value: { valueString: 'yes' } }))),
    );
    expect(bad.status).toBe(422);
    expect(diagnostics(bad)).toMatch(/deceased\[x\] cannot be of type String/);
  });

  it('adds an extension (nested parts with a choice value) and an extension on a primitive', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('add', {
          path: 'Patient',
          name: 'extension',
          value: { part: [{ name: 'url', valueUri: 'http://example.org/ext' }, { name: 'value', valueInteger: 7 }] },
        }),
        op('add', {
          path: 'Patient.birthDate',
          name: 'extension',
          // R4 Parameters.value[x] has no valueExtension: an Extension is given as parts
          value: {
            part: [
              { name: 'url', valueUri: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime' },
              { name: 'value', valueDateTime: '1970-01-01T08:00:00+01:00' },
            ],
          },
        }),
      ),
    ) as Patient & { _birthDate?: unknown };
    expect(out.extension).toEqual([{ url: 'http://example.org/ext', valueInteger: 7 }]);
    expect(out.birthDate).toBe('1970-01-01');
    expect(out._birthDate).toEqual({
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:00:00+01:00' }],
    });
  });

  it('adds inside a contained resource', () => {
    const input: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      contained: [{ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Lund' }] }],
      generalPractitioner: [{ reference: '#gp' }],
    };
    const out = applyFhirPathPatch(
      input,
      patch(op('add', { path: 'Patient.contained.ofType(Practitioner).name.first()', name: 'given', value: { valueString: 'Ole' } })),
    ) as Patient;
    expect(out.contained?.[0]).toEqual({ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Lund', given: ['Ole'] }] });
  });

  it('rejects an unknown element name and a value of the wrong type (422)', () => {
    const unknown = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient', name: 'shoeSize', value: { valueInteger: 42 } }))),
    );
    expect(unknown.status).toBe(422);
    expect(diagnostics(unknown)).toMatch(/'shoeSize' is not an element of Patient/);

    const wrongType = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient', name: 'name', value: { valueString: 'Anne Jensen' } }))),
    );
    expect(wrongType.status).toBe(422);
    expect(diagnostics(wrongType)).toMatch(/must be of type HumanName/);

    const wrongComplex = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient', name: 'maritalStatus', value: { valueCoding: { code: 'M' } } }))),
    );
    expect(wrongComplex.status).toBe(422);
    expect(diagnostics(wrongComplex)).toMatch(/must be of type CodeableConcept, got valueCoding/);
  });

  it('requires the path to select exactly one element (422)', () => {
    const err = fhirError(() =>
      applyFhirPathPatch(
        patient(),
        patch(
          op('replace', { path: 'Patient.active', value: { valueBoolean: false } }),
          op('add', { path: 'Patient.name', name: 'given', value: { valueString: 'X' } }),
        ),
      ),
    );
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/operation 1 \(add Patient\.name\): the path matches 2 elements; exactly one is required/);
    expect(err.outcome.issue?.[0].expression).toEqual(['Parameters.parameter[1]']);

    const none = fhirError(() =>
      applyFhirPathPatch(patient(), patch(op('add', { path: 'Patient.contact', name: 'gender', value: { valueCode: 'male' } }))),
    );
    expect(none.status).toBe(422);
    expect(diagnostics(none)).toMatch(/matches no element/);
  });
});

describe('applyFhirPathPatch: insert', () => {
  it('inserts at the start, middle and end of a list', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('insert', { path: 'Patient.name[0].given', index: 0, value: { valueString: 'First' } }),
        op('insert', { path: 'Patient.name[0].given', index: 2, value: { valueString: 'Middle' } }),
        op('insert', { path: 'Patient.name[0].given', index: 4, value: { valueString: 'Last' } }),
      ),
    ) as Patient;
    expect(out.name?.[0].given).toEqual(['First', 'Anne', 'Middle', 'Marie', 'Last']);
  });

  it('inserts into an absent list at index 0', () => {
    const input: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Jensen' }] };
    const out = applyFhirPathPatch(
      input,
      patch(
        op('insert', { path: 'Patient.identifier', index: 0, value: { valueIdentifier: { value: 'A' } } }),
        op('insert', { path: 'Patient.name.given', index: 0, value: { valueString: 'Anne' } }),
      ),
    ) as Patient;
    expect(out.identifier).toEqual([{ value: 'A' }]);
    expect(out.name).toEqual([{ family: 'Jensen', given: ['Anne'] }]);
  });

  it('index out of range is 422', () => {
    for (const index of [3, 99, -1]) {
      const err = fhirError(() =>
        applyFhirPathPatch(patient(), patch(op('insert', { path: 'Patient.identifier', index, value: { valueIdentifier: { value: 'Z' } } }))),
      );
      expect(err.status).toBe(422);
      expect(diagnostics(err)).toMatch(new RegExp(`operation 0 \\(insert Patient\\.identifier\\): index ${index} is out of range`));
    }
  });

  it('a path that selects part of a list, several lists, or a non-list is 422', () => {
    const cases: [string, RegExp][] = [
      ["Patient.telecom.where(system = 'phone')", /selects 2 of the 3 items/],
      ['Patient.name.given', /more than one list/],
      ['Patient.birthDate', /does not select a list/],
      ['Patient.maritalStatus', /not a repeating element/],
    ];
    for (const [path, re] of cases) {
      const err = fhirError(() =>
        applyFhirPathPatch(patient(), patch(op('insert', { path, index: 0, value: { valueString: 'x' } }))),
      );
      expect(err.status, path).toBe(422);
      expect(diagnostics(err), path).toMatch(re);
    }
  });
});

describe('applyFhirPathPatch: delete', () => {
  it("deletes a telecom selected with where() (spec: Patient.telecom.where(system='email'))", () => {
    const out = applyFhirPathPatch(patient(), patch(op('delete', { path: "Patient.telecom.where(system = 'email')" }))) as Patient;
    expect(out.telecom?.map((t) => t.value)).toEqual(['12345678', '87654321']);
  });

  it('deletes a primitive from a list and removes lists that become empty', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('delete', { path: 'Patient.name[0].given[0]' }),
        op('delete', { path: "Patient.name.where(use = 'nickname').given" }),
      ),
    ) as Patient;
    expect(out.name?.[0].given).toEqual(['Marie']);
    // the nickname name lost its only given name, and with it its last content but `use`
    expect(out.name?.[1]).toEqual({ use: 'nickname' });
  });

  it('drops objects that become empty', () => {
    const input: Patient = { resourceType: 'Patient', id: 'p1', maritalStatus: { text: 'Married' } };
    const out = applyFhirPathPatch(input, patch(op('delete', { path: 'Patient.maritalStatus.text' })));
    expect(out).toEqual({ resourceType: 'Patient', id: 'p1' });
  });

  it('deletes a choice element by its base name', () => {
    const out = applyFhirPathPatch(patient(), patch(op('delete', { path: 'Patient.deceased' }))) as Patient;
    expect(out.deceasedBoolean).toBeUndefined();
  });

  it('deleting something that is not there is a no-op', () => {
    const input = patient();
    const out = applyFhirPathPatch(
      input,
      patch(op('delete', { path: 'Patient.maritalStatus' }), op('delete', { path: "Patient.telecom.where(system = 'fax')" })),
    );
    expect(out).toEqual(input);
  });

  it('deleting several matches at once is 422', () => {
    const err = fhirError(() => applyFhirPathPatch(patient(), patch(op('delete', { path: "Patient.telecom.where(system = 'phone')" }))));
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/matches 2 elements; exactly one is required/);
  });

  it('deleting the resource itself, its id or resourceType is refused', () => {
    expect(fhirError(() => applyFhirPathPatch(patient(), patch(op('delete', { path: 'Patient' })))).status).toBe(422);
    const id = fhirError(() => applyFhirPathPatch(patient(), patch(op('delete', { path: 'Patient.id' }))));
    expect(id.status).toBe(400);
    expect(diagnostics(id)).toMatch(/must not change the resource id/);
  });

  it('keeps the _given primitive-extension list aligned when deleting a given name', () => {
    const input = {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ given: ['A', 'B', 'C'], _given: [null, { extension: [{ url: 'http://x', valueString: 'b' }] }, null] }],
    } as unknown as Patient;
    const out = applyFhirPathPatch(input, patch(op('delete', { path: 'Patient.name.given[0]' }))) as unknown as {
      name: { given: string[]; _given: unknown[] }[];
    };
    expect(out.name[0].given).toEqual(['B', 'C']);
    expect(out.name[0]._given).toEqual([{ extension: [{ url: 'http://x', valueString: 'b' }] }, null]);
  });
});

describe('applyFhirPathPatch: replace', () => {
  it('replaces a primitive in a list, a complex element and a backbone element', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('replace', { path: 'Patient.name[0].given[1]', value: { valueString: 'Maria' } }),
        op('replace', { path: "Patient.telecom.where(system = 'email')", value: { valueContactPoint: { system: 'email', value: 'new@example.dk' } } }),
        op('replace', { path: 'Patient.gender', value: { valueCode: 'other' } }),
        op('replace', { path: 'Patient.active', value: { valueBoolean: false } }),
      ),
    ) as Patient;
    expect(out.name?.[0].given).toEqual(['Anne', 'Maria']);
    expect(out.telecom?.[1]).toEqual({ system: 'email', value: 'new@example.dk' });
    expect(out.gender).toBe('other');
    expect(out.active).toBe(false);
  });

  it('replaces a choice element with a value of another type (deceasedBoolean -> deceasedDateTime)', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(op('replace', { path: 'Patient.deceased', value: { valueDateTime: '2024-03-01' } })),
    ) as Patient;
    expect(out.deceasedDateTime).toBe('2024-03-01');
    expect('deceasedBoolean' in out).toBe(false);
  });

  it('works with Observation.value polymorphism and ofType()', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'preliminary',
      code: { text: 'HbA1c' },
      valueQuantity: { value: 48, unit: 'mmol/mol' },
      component: [{ code: { text: 'a' }, valueString: 'x' }],
    };
    const out = applyFhirPathPatch(
      obs,
      patch(
        op('replace', { path: 'Observation.value.ofType(Quantity).value', value: { valueDecimal: 52 } }),
        op('replace', { path: 'Observation.status', value: { valueCode: 'final' } }),
        op('replace', { path: 'Observation.component[0].value', value: { valueInteger: 3 } }),
      ),
    ) as Observation;
    expect(out.valueQuantity).toEqual({ value: 52, unit: 'mmol/mol' });
    expect(out.status).toBe('final');
    expect(out.component?.[0]).toEqual({ code: { text: 'a' }, valueInteger: 3 });
  });

  it('replace needs exactly one match and a value of the right type (422)', () => {
    const many = fhirError(() => applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.telecom', value: { valueContactPoint: {} } }))));
    expect(many.status).toBe(422);
    expect(diagnostics(many)).toMatch(/matches 3 elements/);

    const none = fhirError(() => applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.maritalStatus', value: { valueCodeableConcept: { text: 'x' } } }))));
    expect(none.status).toBe(422);
    expect(diagnostics(none)).toMatch(/matches no element/);

    const wrong = fhirError(() => applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.active', value: { valueString: 'no' } }))));
    expect(wrong.status).toBe(422);
    expect(diagnostics(wrong)).toMatch(/must be of type boolean/);
  });

  it('replacing id with another value is 400; with the same value is fine', () => {
    const err = fhirError(() => applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.id', value: { valueId: 'p2' } }))));
    expect(err.status).toBe(400);
    expect(applyFhirPathPatch(patient(), patch(op('replace', { path: 'Patient.id', value: { valueId: 'p1' } }))).id).toBe('p1');
  });
});

describe('applyFhirPathPatch: move', () => {
  it('moves forwards and backwards within a list', () => {
    const fwd = applyFhirPathPatch(patient(), patch(op('move', { path: 'Patient.telecom', source: 0, destination: 2 }))) as Patient;
    expect(fwd.telecom?.map((t) => t.value)).toEqual(['anne@example.dk', '87654321', '12345678']);
    const back = applyFhirPathPatch(patient(), patch(op('move', { path: 'Patient.telecom', source: 2, destination: 0 }))) as Patient;
    expect(back.telecom?.map((t) => t.value)).toEqual(['87654321', '12345678', 'anne@example.dk']);
  });

  it('moves nested backbone elements (Questionnaire.item.item)', () => {
    const q: Questionnaire = {
      resourceType: 'Questionnaire',
      id: 'q',
      status: 'active',
      item: [{ linkId: 'g', type: 'group', item: [{ linkId: 'a', type: 'string' }, { linkId: 'b', type: 'string' }] }],
    };
    const out = applyFhirPathPatch(q, patch(op('move', { path: "Questionnaire.item.where(linkId = 'g').item", source: 1, destination: 0 }))) as Questionnaire;
    expect(out.item?.[0].item?.map((i) => i.linkId)).toEqual(['b', 'a']);
  });

  it('source or destination out of range is 422', () => {
    for (const [source, destination] of [
      [0, 3],
      [5, 0],
      [-1, 0],
    ]) {
      const err = fhirError(() => applyFhirPathPatch(patient(), patch(op('move', { path: 'Patient.telecom', source, destination }))));
      expect(err.status).toBe(422);
      expect(diagnostics(err)).toMatch(/operation 0 \(move Patient\.telecom\): (source|destination) -?\d+ is out of range/);
    }
  });
});

describe('applyFhirPathPatch: general', () => {
  it('applies operations in order, each seeing the result of the previous one', () => {
    const out = applyFhirPathPatch(
      patient(),
      patch(
        op('add', { path: 'Patient', name: 'identifier', value: { valueIdentifier: { value: 'third' } } }),
        op('move', { path: 'Patient.identifier', source: 2, destination: 0 }),
        op('delete', { path: "Patient.identifier.where(value = 'MRN-1')" }),
        op('replace', { path: 'Patient.identifier[0].value', value: { valueString: 'first' } }),
      ),
    ) as Patient;
    expect(out.identifier?.map((i) => i.value)).toEqual(['first', '0101701234']);
  });

  it('does not mutate the input resource or the Parameters', () => {
    const input = patient();
    const before = structuredClone(input);
    const params = patch(
      op('replace', { path: 'Patient.birthDate', value: { valueDate: '1930-01-01' } }),
      op('add', { path: 'Patient', name: 'name', value: { valueHumanName: { family: 'Nyt' } } }),
      op('delete', { path: "Patient.telecom.where(system = 'email')" }),
      op('insert', { path: 'Patient.identifier', index: 0, value: { valueIdentifier: { value: 'I' } } }),
      op('move', { path: 'Patient.name', source: 0, destination: 1 }),
    );
    const paramsBefore = structuredClone(params);
    const out = applyFhirPathPatch(input, params) as Patient;
    expect(input).toEqual(before);
    expect(params).toEqual(paramsBefore);
    expect(out).not.toBe(input);
    // no shared structure with the Parameters
    out.name![1].family = 'changed';
    expect(params).toEqual(paramsBefore);
    // and the result is plain JSON
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('a Parameters without operations returns an equal copy', () => {
    const input = patient();
    const out = applyFhirPathPatch(input, { resourceType: 'Parameters' });
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it('%resource can be used in paths', () => {
    const out = applyFhirPathPatch(patient(), patch(op('replace', { path: '%resource.gender', value: { valueCode: 'male' } }))) as Patient;
    expect(out.gender).toBe('male');
  });

  it('malformed Parameters are 400 with the operation index', () => {
    const cases: [unknown, RegExp][] = [
      [{ resourceType: 'Patient' }, /must be a Parameters resource/],
      [null, /must be a Parameters resource/],
      [{ resourceType: 'Parameters', parameter: {} }, /Parameters.parameter must be an array/],
      [patch({ name: 'op', part: [] }), /operation 0: every parameter must be named 'operation'/],
      [patch({ name: 'operation' }), /operation 0: an operation needs parts/],
      [patch(op('frobnicate', { path: 'Patient' })), /operation 0: part 'type' must be a code/],
      [patch({ name: 'operation', part: [{ name: 'path', valueString: 'Patient' }] }), /part 'type' must be a code/],
      [patch(op('delete', { path: 'Patient.birthDate' }), op('add', { path: 'Patient', value: { valueDate: '2000-01-01' } })), /operation 1 \(add\): part 'name' is required/],
      [patch(op('add', { path: 'Patient', name: 'birthDate' })), /part 'value' is required/],
      [patch(op('insert', { path: 'Patient.identifier', value: { valueIdentifier: {} } })), /part 'index' is required/],
      [patch(op('move', { path: 'Patient.identifier', source: 0 })), /part 'destination' is required/],
      [patch(op('replace', { path: '' , value: { valueString: 'x' } })), /part 'path' must be a non-empty valueString/],
      [patch(op('add', { path: 'Patient', name: '__proto__', value: { valueString: 'x' } })), /part 'name' must be a valueString holding an element name/],
      [patch(op('add', { path: 'Patient', name: 'birthDate', value: {} })), /value has no value\[x\], resource or part/],
      [patch(op('add', { path: 'Patient', name: 'birthDate', value: { valueDate: 'x', valueString: 'y' } })), /must have exactly one of value\[x\], resource or part/],
      [patch(op('replace', { path: 'Patient.birthDate..', value: { valueDate: '2000-01-01' } })), /cannot evaluate FHIRPath/],
      [patch(op('replace', { path: 'Patient.generalPractitioner.resolve().name', value: { valueString: 'x' } })), /cannot evaluate FHIRPath/],
      [
        patch({
          name: 'operation',
          part: [
            { name: 'type', valueCode: 'move' },
            { name: 'path', valueString: 'Patient.identifier' },
            { name: 'source', valueString: 'one' },
            { name: 'destination', valueInteger: 0 },
          ],
        }),
        /part 'source' must be a valueInteger/,
      ],
      [
        patch({
          name: 'operation',
          part: [
            { name: 'type', valueCode: 'delete' },
            { name: 'path', valueString: 'Patient.birthDate' },
            { name: 'path', valueString: 'Patient.gender' },
          ],
        }),
        /part 'path' is given more than once/,
      ],
      [
        patch({ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: 'Patient.birthDate' }, { name: 'colour', valueString: 'red' }] }),
        /unknown part 'colour'/,
      ],
    ];
    for (const [params, re] of cases) {
      const err = fhirError(() => applyFhirPathPatch(patient(), params as Parameters));
      expect(err.status, JSON.stringify(params)).toBe(400);
      expect(err.outcome.resourceType).toBe('OperationOutcome');
      expect(diagnostics(err), JSON.stringify(params)).toMatch(re);
    }
  });

  it('a path that yields values that are not elements of the resource is refused', () => {
    const err = fhirError(() => applyFhirPathPatch(patient(), patch(op('replace', { path: "'literal'", value: { valueString: 'x' } }))));
    expect(err.status).toBe(422);
    expect(diagnostics(err)).toMatch(/not an element of the resource/);
  });

  it('a failing operation leaves the input untouched', () => {
    const input = patient();
    const before = structuredClone(input);
    fhirError(() =>
      applyFhirPathPatch(
        input,
        patch(op('replace', { path: 'Patient.birthDate', value: { valueDate: '1930-01-01' } }), op('delete', { path: 'Patient.telecom' })),
      ),
    );
    expect(input).toEqual(before);
  });

  it('works on a contained resource being replaced as a whole', () => {
    const input = {
      resourceType: 'Patient',
      id: 'p1',
      contained: [{ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Lund' }] }],
    } as Resource;
    const out = applyFhirPathPatch(
      input,
      patch(op('replace', { path: 'Patient.contained[0]', value: { resource: { resourceType: 'Organization', id: 'gp', name: 'Lægehuset' } } })),
    ) as Patient;
    expect(out.contained).toEqual([{ resourceType: 'Organization', id: 'gp', name: 'Lægehuset' }]);
  });
});
