import type { Observation } from '@medplum/fhirtypes';
import { MEASURES, type MeasureName } from '../catalogue/measures.js';
import { TERMINOLOGY } from '../catalogue/names.js';
import { SYNTHETIC } from '../reference/identifiers.js';
import { daysBefore } from './dates.js';
import type { DemoPerson } from './people.js';
import type { Prng } from './prng.js';

/* Observation builders for the demo: one measure (codes from the catalogue's measure table) or a blood pressure. */

export interface ObservationContext {
  person: DemoPerson;
  reference: string;
  rng: Prng;
  /** The id of the next Observation of this patient. */
  next(): string;
}

const CATEGORY: Record<MeasureName, string> = {
  hba1c: 'laboratory',
  ldl: 'laboratory',
  systolic: 'vital-signs',
  diastolic: 'vital-signs',
  bmi: 'vital-signs',
  fev1: 'exam',
  mmse: 'survey',
};

const category = (code: string) => [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }];

function base(ctx: ObservationContext, daysAgo: number): Pick<Observation, 'resourceType' | 'id' | 'meta' | 'status' | 'subject' | 'effectiveDateTime' | 'performer'> {
  return {
    resourceType: 'Observation',
    id: ctx.next(),
    meta: { security: [SYNTHETIC] },
    status: 'final',
    subject: { reference: `Patient/${ctx.person.patient.id}` },
    effectiveDateTime: daysBefore(ctx.reference, daysAgo),
    performer: [{ reference: `Practitioner/${ctx.person.gp}` }],
  };
}

export function quantity(ctx: ObservationContext, name: MeasureName, value: number, daysAgo: number): Observation {
  const m = MEASURES[name];
  return {
    ...base(ctx, daysAgo),
    category: category(CATEGORY[name]),
    code: { coding: m.coding, text: m.text },
    valueQuantity: { value, unit: m.unit, system: TERMINOLOGY.ucum, code: m.ucum },
  };
}

export function bloodPressure(ctx: ObservationContext, daysAgo: number): Observation {
  const systolic = ctx.rng.int(112, 172);
  const diastolic = Math.min(systolic - 30, ctx.rng.int(66, 102));
  const part = (name: 'systolic' | 'diastolic', value: number) => ({
    code: { coding: MEASURES[name].coding, text: MEASURES[name].text },
    valueQuantity: { value, unit: 'mmHg', system: TERMINOLOGY.ucum, code: 'mm[Hg]' },
  });
  return {
    ...base(ctx, daysAgo),
    category: category('vital-signs'),
    code: { coding: [{ system: TERMINOLOGY.loinc, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blodtryk' },
    component: [part('systolic', systolic), part('diastolic', diastolic)],
  };
}
