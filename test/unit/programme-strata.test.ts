import type { PlanDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { compileProgramme } from '../../src/programmes/programme-compile.js';
import { addToDate, danishDate, estimateStarts } from '../../src/programmes/schedule.js';
import type { ValueSet } from '@medplum/fhirtypes';
import { Terminology } from '../../src/programmes/codes.js';
import { chronicDiseaseConditions, selectStratum, stratumInputs } from '../../src/programmes/strata.js';
import { fixtureResources } from '../fixtures/programmes/load.js';
import { ICD, ICPC, INCLUSIONS, SKS, condition, fixturePlan, fixtureTerminology, patientData, stratification } from '../fixtures/programmes/patients.js';

const terminology = fixtureTerminology();
const diabetes = fixturePlan('fixture-diabetes');
const copd = fixturePlan('fixture-copd');

function stratum(plan: PlanDefinition, data: ReturnType<typeof patientData>) {
  const inputs = stratumInputs(data, INCLUSIONS, terminology);
  return selectStratum(compileProgramme(plan).strata, data, inputs, terminology)!;
}

describe('stratification inputs', () => {
  it('without an assessment: low complexity for one chronic disease, good self-care, no severity', () => {
    const inputs = stratumInputs(patientData([condition(SKS, 'DE119'), condition(ICD, 'E11.9')]), INCLUSIONS, terminology);
    expect(inputs).toEqual({ complexity: 'low', selfCare: 'good', severity: undefined, source: undefined, chronicConditions: [] });
  });

  it('derives high complexity from conditions in two programme groups and keeps them as the basis', () => {
    const dm = condition(SKS, 'DE119');
    const kol = condition(ICD, 'J44.1');
    const inputs = stratumInputs(patientData([dm, kol, condition(ICD, 'M54.5')]), INCLUSIONS, terminology);
    expect(inputs.complexity).toBe('high');
    expect(inputs.chronicConditions).toEqual([dm, kol]);
  });

  it('counts one disease once, even when two programmes include it (SKS + ICPC-2 diabetes, two diabetes value sets)', () => {
    const twoDiabetesSets = new Terminology([
      ...fixtureResources('fixture-diabetes').filter((r): r is ValueSet => r.resourceType === 'ValueSet'),
      ...fixtureResources('fixture-copd').filter((r): r is ValueSet => r.resourceType === 'ValueSet'),
      { resourceType: 'ValueSet', url: `${INCLUSIONS[0]}-copy`, status: 'active', compose: { include: [{ system: ICD, filter: [{ property: 'concept', op: 'is-a', value: 'E11' }] }, { system: ICPC, filter: [{ property: 'concept', op: 'is-a', value: 'T90' }] }] } },
    ]);
    const catalogue = [...INCLUSIONS, `${INCLUSIONS[0]}-copy`];
    const dm = [condition(SKS, 'DE119'), condition(ICPC, 'T90')];
    expect(chronicDiseaseConditions(dm, catalogue, twoDiabetesSets)).toEqual([]);
    expect(stratumInputs(patientData(dm), catalogue, twoDiabetesSets).complexity).toBe('low');
    const kol = condition(ICD, 'J44.1');
    expect(chronicDiseaseConditions([...dm, kol], catalogue, twoDiabetesSets)).toEqual([...dm, kol]);
  });

  it("uses the latest stratification Observation's components over the derivation", () => {
    const old = stratification('2023-01-01T10:00:00Z', { complexity: 'low', selfCare: 'good' });
    const latest = stratification('2024-06-01T10:00:00Z', { complexity: 'high', selfCare: 'low', severity: 'severe' });
    const inputs = stratumInputs(patientData([condition(SKS, 'DE119')], { observations: [old, latest] }), INCLUSIONS, terminology);
    expect(inputs).toMatchObject({ complexity: 'high', selfCare: 'low', severity: 'severe', source: latest });
  });

  it('derives what the Observation leaves out', () => {
    const onlySelfCare = stratification('2024-06-01T10:00:00Z', { selfCare: 'low' });
    const data = patientData([condition(SKS, 'DE119'), condition(ICD, 'J44.1')], { observations: [onlySelfCare] });
    expect(stratumInputs(data, INCLUSIONS, terminology)).toMatchObject({ complexity: 'high', selfCare: 'low', source: onlySelfCare });
  });
});

describe('first-match strata', () => {
  it.each([
    ['one disease, no assessment', [], ['DE119'], '1'],
    ['low complexity, low self-care', [{ selfCare: 'low' }], ['DE119'], '2'],
    ['two programme diseases', [], ['DE119', 'DJ441'], '3'],
    ['high complexity, low self-care (the default)', [{ complexity: 'high', selfCare: 'low' }], ['DE119'], '4'],
  ])('diabetes: %s → stratum %s', (_label, assessments, codes, expected) => {
    const observations = assessments.map((a) => stratification('2024-01-01', a));
    const result = stratum(diabetes, patientData(codes.map((c) => condition(SKS, c)), { observations }));
    expect(result.stratum).toBe(expected);
    expect(result.action.id).toBe(`stratum-${expected}`);
  });

  it('COPD stratifies by severity: severe → 3, else the default 1', () => {
    expect(stratum(copd, patientData([condition(ICD, 'J44.1')], { observations: [stratification('2024-01-01', { severity: 'severe' })] })).stratum).toBe('3');
    expect(stratum(copd, patientData([condition(ICD, 'J44.1')], { observations: [stratification('2024-01-01', { severity: 'mild' })] })).stratum).toBe('1');
    expect(stratum(copd, patientData([condition(ICD, 'J44.1')])).stratum).toBe('1');
  });

  it('refuses a programme whose last stratum has a condition and none matched (422)', () => {
    const broken = structuredClone(copd);
    broken.url += '-broken';
    broken.action![1].action![1].condition = [{ kind: 'applicability', expression: { language: 'text/fhirpath', expression: 'false' } }];
    expect(() => stratum(broken, patientData([condition(ICD, 'J44.1')]))).toThrow(FhirError);
  });

  it('gives no stratum for a programme without stratification', () => {
    const plain = { ...copd, url: `${copd.url}-plain`, action: [copd.action![0]] };
    const data = patientData([condition(ICD, 'J44.1')]);
    expect(selectStratum(compileProgramme(plain).strata, data, stratumInputs(data, INCLUSIONS, terminology), terminology)).toBeUndefined();
  });
});

describe('course schedule', () => {
  it('adds calendar units, clamping to the end of the month', () => {
    expect(addToDate('2024-01-31', 1, 'mo')).toBe('2024-02-29');
    expect(addToDate('2025-01-31', 3, 'mo')).toBe('2025-04-30');
    expect(addToDate('2025-01-31', 1, 'a')).toBe('2026-01-31');
    expect(addToDate('2025-01-31', 6, 'wk')).toBe('2025-03-14');
    expect(addToDate('2025-01-31', -2, 'd')).toBe('2025-01-29');
    expect(addToDate('2025-01-31', 2, 'h')).toBeUndefined();
  });

  it("estimates each step from its relatedAction: the fixture's municipal course", () => {
    const course = diabetes.action!.find((a) => a.id === 'course')!.action!;
    const starts = estimateStarts(course, '2025-01-31');
    const byId = Object.fromEntries(course.map((a) => [a.id, starts.get(a)]));
    expect(byId).toEqual({
      'clarifying-conversation': '2025-01-31',
      'education-session': '2025-01-31',
      // six weekly sessions end six weeks later
      'closing-conversation': '2025-03-14',
      'follow-up-conversation': '2025-06-14',
      'annual-control': '2026-01-31',
    });
  });

  it('counts days in Danish time', () => {
    expect(danishDate('2025-01-31T22:59:59Z')).toBe('2025-01-31');
    expect(danishDate('2025-01-31T23:00:00Z')).toBe('2025-02-01');
    expect(danishDate('2025-06-30T22:00:00Z')).toBe('2025-07-01');
  });

  it('survives a cycle of relatedActions', () => {
    const a = { id: 'a', relatedAction: [{ actionId: 'b', relationship: 'after-end' as const }] };
    const b = { id: 'b', relatedAction: [{ actionId: 'a', relationship: 'after-end' as const }] };
    const starts = estimateStarts([a, b], '2025-01-31');
    expect(starts.size).toBe(2);
  });
});
