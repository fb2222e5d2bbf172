import type { Observation } from '@medplum/fhirtypes';
import { FORLOB } from '../../programmes/model.js';
import type { Effect } from './effect.js';

/*
 * A quality parameter of a course (seed 003: information at admission, joint discharge plan, care-course plan,
 * notice of readiness for discharge, discharge report, discharge letter) as an Observation, so that it can be
 * reported: code from the quality-parameter CodeSystem, the time it happened, on time or late (searchable with
 * `value-concept`), the course in `focus` and the admission in `encounter`.
 */

export const QUALITY_SYSTEM = `${FORLOB}/CodeSystem/quality-parameter`;

export const recordQualityParameter: Effect = async ({ ws, now }, { parameter, onTime, encounter, note }) => {
  ws.create<Observation>({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
    code: { coding: [{ system: QUALITY_SYSTEM, code: String(parameter) }] },
    subject: ws.patientRef,
    focus: [ws.carePlanRef],
    ...(typeof encounter === 'string' && encounter && { encounter: { reference: encounter } }),
    effectiveDateTime: now,
    issued: now,
    valueCodeableConcept: { coding: [{ system: QUALITY_SYSTEM, code: onTime ? 'on-time' : 'late' }] },
    ...(typeof note === 'string' && { note: [{ text: note }] }),
  });
};
