import type { Expression, PlanDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { evaluateEligibility, expressionVars, isCountingCondition } from '../../src/programmes/eligibility.js';
import { Terminology } from '../../src/programmes/codes.js';
import { compileExpression } from '../../src/programmes/expressions.js';
import { compileProgramme } from '../../src/programmes/programme-compile.js';
import { ICD, ICPC, SKS, condition, fixturePlan, fixtureTerminology, patientData } from '../fixtures/programmes/patients.js';

const terminology = fixtureTerminology();
const diabetes = fixturePlan('fixture-diabetes');
const copd = fixturePlan('fixture-copd');
const check = (plan: PlanDefinition, data: ReturnType<typeof patientData>) => evaluateEligibility(compileProgramme(plan).inclusion, compileProgramme(plan).enrolment, data, terminology);
const fhirpath = (expression: string): Expression => ({ language: 'text/fhirpath', expression });

describe('diabetes fixture eligibility', () => {
  it.each([
    ['SKS', SKS, 'DE119'],
    ['WHO', ICD, 'E11.9'],
    ['WHO, category only', ICD, 'E11'],
    ['ICPC-2', ICPC, 'T90'],
  ])('an adult with %s %s is eligible, with the diagnosis as evidence', (_label, system, code) => {
    const c = condition(system, code);
    const result = check(diabetes, patientData([c]));
    expect(result.failures).toEqual([]);
    expect(result.eligible).toBe(true);
    expect(result.evidence).toEqual([c]);
  });

  it('names the unmet inclusion for a patient without diabetes (J44.1)', () => {
    const result = check(diabetes, patientData([condition(ICD, 'J44.1')]));
    expect(result.eligible).toBe(false);
    expect(result.failures.map((f) => f.name)).toEqual(['inclusion']);
    expect(result.failures[0].description).toBe('The patient has type 2 diabetes (ICD-10 E11, SKS DE11 or ICPC-2 T90).');
    expect(result.failures[0].path).toBe('PlanDefinition.action[0].condition[0]');
    expect(result.evidence).toEqual([]);
  });

  it.each([
    ['type 1 diabetes in SKS', SKS, 'DE109'],
    ['diabetes in pregnancy (WHO)', ICD, 'O24.4'],
    ['type 1 diabetes in ICPC-2', ICPC, 'T89'],
  ])('excludes on %s and names the matching Condition', (_label, system, code) => {
    const excluding = condition(system, code);
    const result = check(diabetes, patientData([condition(SKS, 'DE119'), excluding]));
    expect(result.eligible).toBe(false);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0].name).toBe('exclusion-type-1-or-pregnancy');
    expect(result.failures[0].matches).toEqual([excluding]);
  });

  it('DE109 alone fails both the inclusion and the exclusion', () => {
    const result = check(diabetes, patientData([condition(SKS, 'DE109')]));
    expect(result.failures.map((f) => f.name)).toEqual(['inclusion', 'exclusion-type-1-or-pregnancy']);
  });

  it('applies the age condition with %today', () => {
    const child = check(diabetes, patientData([condition(SKS, 'DE119')], { birthDate: '2010-03-01' }));
    expect(child.failures.map((f) => f.name)).toEqual(['age']);
    const eighteenToday = check(diabetes, patientData([condition(SKS, 'DE119')], { birthDate: '2007-01-31', today: '2025-01-31' }));
    expect(eighteenToday.eligible).toBe(true);
    const eighteenTomorrow = check(diabetes, patientData([condition(SKS, 'DE119')], { birthDate: '2007-02-01', today: '2025-01-31' }));
    expect(eighteenTomorrow.eligible).toBe(false);
  });

  it('COPD accepts J44.1, DJ441 and R95; it has no exclusion', () => {
    for (const [system, code] of [[ICD, 'J44.1'], [SKS, 'DJ441'], [ICPC, 'R95']]) expect(check(copd, patientData([condition(system, code)])).eligible).toBe(true);
    expect(check(copd, patientData([condition(ICD, 'J45.0')])).eligible).toBe(false);
  });
});

describe('a programme that is not diagnosis-based (its input reads Observations)', () => {
  const PARAMS = 'https://forlob.dk/fhir/ValueSet/fixture-parameters';
  const frail: PlanDefinition = {
    resourceType: 'PlanDefinition',
    url: 'https://forlob.dk/fhir/PlanDefinition/fixture-frail',
    version: '1.0.0',
    status: 'active',
    action: [
      {
        id: 'enrolment',
        input: [{ type: 'Observation', codeFilter: [{ path: 'code', valueSet: PARAMS }] }],
        condition: [{ kind: 'applicability', expression: { name: 'inclusion', description: 'A parameter applies.', language: 'text/fhirpath', expression: `%observations.where(code.memberOf('${PARAMS}') and value = true).exists()` } }],
      },
    ],
  };
  const withParams = new Terminology([
    { resourceType: 'ValueSet', url: PARAMS, status: 'active', compose: { include: [{ system: 'urn:test:frail', concept: [{ code: 'weak-network' }] }] } },
  ]);
  const observation = { resourceType: 'Observation' as const, status: 'final' as const, code: { coding: [{ system: 'urn:test:frail', code: 'weak-network' }] }, valueBoolean: true };

  it('has no inclusion value set, and relates the episode to all the patient’s Conditions', () => {
    const compiled = compileProgramme(frail);
    expect(compiled.inclusion).toEqual([]);
    const conditions = [condition(SKS, 'DF03'), condition(ICD, 'I50.9')];
    const result = evaluateEligibility(compiled.inclusion, compiled.enrolment, patientData(conditions, { observations: [observation] }), withParams);
    expect(result.eligible).toBe(true);
    expect(result.evidence).toEqual(conditions);
    const without = evaluateEligibility(compiled.inclusion, compiled.enrolment, patientData(conditions), withParams);
    expect(without.failures.map((f) => f.name)).toEqual(['inclusion']);
  });
});

describe('which Conditions count', () => {
  const status = (system: string, code: string) => ({ coding: [{ system, code }] });
  const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
  it.each([
    ['active', { clinicalStatus: status(CLINICAL, 'active') }, true],
    ['no status at all', {}, true],
    ['recurrence', { clinicalStatus: status(CLINICAL, 'recurrence') }, true],
    ['resolved', { clinicalStatus: status(CLINICAL, 'resolved') }, false],
    ['inactive', { clinicalStatus: status(CLINICAL, 'inactive') }, false],
    ['entered in error', { verificationStatus: status(VERIFICATION, 'entered-in-error') }, false],
    ['refuted', { verificationStatus: status(VERIFICATION, 'refuted') }, false],
  ])('%s → %s', (_label, extra, expected) => {
    expect(isCountingCondition(condition(SKS, 'DE119', extra))).toBe(expected);
  });
});

describe('FHIRPath with the local memberOf', () => {
  const url = 'https://forlob.dk/fhir/ValueSet/fixture-diabetes-inclusion';
  it('evaluates memberOf synchronously against the given value sets (fhirpath.js would need a terminology server)', () => {
    const run = compileExpression(fhirpath(`%conditions.first().code.memberOf('${url}')`), 'test');
    expect(run(expressionVars(patientData([condition(SKS, 'DE119')])), terminology)).toEqual([true]);
    expect(run(expressionVars(patientData([condition(SKS, 'DE109')])), terminology)).toEqual([false]);
  });

  it('gives empty for an input of more than one item, as FHIRPath defines', () => {
    const run = compileExpression(fhirpath(`%conditions.code.memberOf('${url}')`), 'test');
    expect(run(expressionVars(patientData([condition(SKS, 'DE119'), condition(ICPC, 'T90')])), terminology)).toEqual([]);
  });

  it('refuses broken expressions with 422 naming where they are', () => {
    const attempt = (e: Expression) => {
      try {
        compileExpression(e, 'PlanDefinition.action[0].condition[0]')(expressionVars(patientData([])), terminology);
        return undefined;
      } catch (err) {
        return err as FhirError;
      }
    };
    const broken: Expression[] = [fhirpath('%conditions.where('), { language: 'text/cql', expression: 'true' }, fhirpath('%nosuchvariable.exists()')];
    for (const e of broken) {
      const err = attempt(e);
      expect(err).toBeInstanceOf(FhirError);
      expect(err!.status).toBe(422);
      expect(err!.message).toContain('PlanDefinition.action[0].condition[0]');
    }
  });
});

describe('compiled once per programme version', () => {
  it('returns the cached compilation until the url, version or stored version changes', () => {
    const plan = { ...fixturePlan('fixture-copd'), meta: { versionId: '1' } };
    const first = compileProgramme(plan);
    expect(compileProgramme({ ...plan })).toBe(first);
    expect(compileProgramme({ ...plan, meta: { versionId: '2' } })).not.toBe(first);
    expect(compileProgramme({ ...plan, version: '1.0.1' })).not.toBe(first);
  });

  it('lists the inclusion value set from the enrolment input and every value set the expressions name', () => {
    const compiled = compileProgramme(diabetes);
    expect(compiled.inclusion).toEqual(['https://forlob.dk/fhir/ValueSet/fixture-diabetes-inclusion']);
    expect(compiled.valueSets.sort()).toEqual(['https://forlob.dk/fhir/ValueSet/fixture-diabetes-exclusion', 'https://forlob.dk/fhir/ValueSet/fixture-diabetes-inclusion']);
  });
});
