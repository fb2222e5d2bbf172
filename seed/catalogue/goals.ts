import { measureConcept, MEASURES, type MeasureName } from './measures.js';
import { assumption, seed, type Source } from './sources.js';
import type { GoalSpec, QualityAspect } from './types.js';

/*
 * Monitoring indicators (seed 001, 3.6.1: patient-experienced, clinical and organisational quality, each with
 * named indicators). The seed documents name the aspects and the national data sources, not the clinical
 * targets: every target value below is cited as an assumption.
 */

export const MONITORING = seed('001', '3.6.1 Monitorering', 'monitoring covers patient-experienced, clinical and organisational quality');

export function indicator(aspect: QualityAspect, description: string, sources: Source[]): GoalSpec {
  return { aspect, description, sources: [MONITORING, ...sources] };
}

/** A clinical indicator on a measure, optionally with a target value (always an assumption). */
export function measured(
  measure: MeasureName,
  description: string,
  sources: Source[],
  target?: { comparator?: '<' | '<=' | '>=' | '>'; value: number },
): GoalSpec {
  const m = MEASURES[measure];
  return {
    aspect: 'clinical',
    description,
    target: {
      measure: measureConcept(measure),
      ...(target && { detail: { ...(target.comparator && { comparator: target.comparator }), value: target.value, unit: m.unit, code: m.ucum } }),
    },
    sources: [MONITORING, ...sources],
  };
}

/** The two indicators every programme shares: the patient's experience of one coherent course, and a known tovholder. */
export function commonIndicators(): GoalSpec[] {
  return [
    indicator('patient-experienced', 'The patient experiences one coherent course across general practice, municipality and hospital (national patient-experience survey, LUP).', [
      seed('001', '3.6.1 Monitorering', 'Landsdækkende Undersøgelser af Patientoplevelser as a data source'),
    ]),
    indicator('organisational', 'Every enrolled patient has a named tovholder, known to the patient and every actor involved.', [
      seed('001', '3.4.3.3 Tovholderfunktion', 'every patient is allocated a tovholder, and everyone must know who it is'),
    ]),
  ];
}

export const TARGET_ASSUMPTION = (what: string) => assumption(`${what}; the seed documents name no clinical target values`);
