import type { ValueSet } from '@medplum/fhirtypes';
import type { Sector } from '../../src/programmes/model.js';
import type { Source } from './sources.js';

/*
 * A programme as compact typed data (one file per programme under programmes/). build-programme.ts turns it
 * into FHIR: the PlanDefinition, its inclusion/exclusion ValueSets and its ActivityDefinitions.
 * Titles are Danish, descriptions English; every part carries the sources it comes from.
 */

export type ProgrammeId =
  | 'diabetes-type-2'
  | 'copd'
  | 'cardiovascular'
  | 'low-back-pain'
  | 'dementia'
  | 'schizophrenia'
  | 'depression'
  | 'cancer-rehabilitation-palliation'
  | 'acquired-brain-injury'
  | 'frail-elderly';

/** Diagnosis codes: ICD-10 as WHO writes it (`E11`, `M54.5`; SKS is derived: `DE11`, `DM545`) and ICPC-2. */
export interface DiagnosisCodes {
  icd10: string[];
  icpc2: string[];
}

/** A patient group defined by diagnoses (every programme but the frail elderly). */
export interface DiagnosisGroup {
  kind: 'diagnosis';
  inclusion: DiagnosisCodes & { description: string; sources: Source[] };
  /** Diagnoses that exclude even when an inclusion diagnosis is present; absent when the sources name none. */
  exclusion?: DiagnosisCodes & { description: string; sources: Source[] };
  minimumAge: { years: number; sources: Source[] };
}

/** One applicability condition of the enrolment action (FHIRPath over the model's variables). */
export interface EnrolmentCondition {
  name: string;
  /** The sentence a 422 shows when the condition does not hold. */
  description: string;
  expression: string;
}

/** A patient group defined by other data (the frail elderly): its conditions and value sets are given. */
export interface CustomGroup {
  kind: 'custom';
  input: { type: 'Condition' | 'Observation'; valueSet: string };
  conditions: EnrolmentCondition[];
  valueSets: ValueSet[];
  sources: Source[];
}

/** What an activity is, for its ActivityDefinition. */
export interface ActivitySpec {
  /** activity-type code. */
  code: string;
  /** Shared activities have no programme prefix in their id (docs/PROGRAMME-MODEL.md). */
  shared?: boolean;
  kind: 'Task' | 'ServiceRequest';
  /** The sector that performs it by default (an action may name another). */
  sector?: Sector;
  title: string;
  description: string;
  sources: Source[];
}

/** An activity as a step or offer of this programme. */
export interface ActionSpec {
  activity: ActivitySpec;
  /** Who performs it here (defaults to the activity's sector). */
  sector?: Sector;
  /** Weekly sessions: this many, once a week. */
  weeklySessions?: number;
  /** Repeats once a year. */
  yearly?: boolean;
  /** Starts after another action of the course ends (or starts, with `fromStart`), plus an offset. */
  after?: { step: string; fromStart?: boolean; offset?: { value: number; unit: 'wk' | 'mo' | 'a' } };
}

export interface StratumSpec {
  title: string;
  description: string;
  offers: ActionSpec[];
}

export interface StratificationSpec {
  description: string;
  /** FHIRPath for "disease complexity is high" (default: `%complexity ~ 'high'`). */
  highComplexity?: string;
  /** FHIRPath for "self-care ability is low" (default: `%selfCare ~ 'low'`). */
  lowSelfCare?: string;
  /** Strata 1–4 as docs/PROGRAMME-MODEL.md defines them. */
  strata: [StratumSpec, StratumSpec, StratumSpec, StratumSpec];
  sources: Source[];
}

export interface CourseSpec {
  description: string;
  /** The steps in order; an action's id is its activity code. */
  steps: ActionSpec[];
  sources: Source[];
}

export type QualityAspect = 'patient-experienced' | 'clinical' | 'organisational';

/** A monitoring indicator (PlanDefinition.goal). */
export interface GoalSpec {
  aspect: QualityAspect;
  description: string;
  target?: {
    measure: { coding?: { system: string; code: string; display: string }[]; text: string };
    /** A quantity target (UCUM unit); absent when the indicator only says what is measured. */
    detail?: { comparator?: '<' | '<=' | '>=' | '>'; value: number; unit: string; code: string };
  };
  sources: Source[];
}

export interface ProgrammeSpec {
  id: ProgrammeId;
  /** Danish title. */
  title: string;
  /** Machine-friendly name (PascalCase). */
  name: string;
  /** English description. */
  description: string;
  /** Which regions run or plan the programme (seed 000), as a sentence. */
  regions: string;
  patientGroup: DiagnosisGroup | CustomGroup;
  stratification: StratificationSpec;
  course: CourseSpec;
  goals: GoalSpec[];
  sources: Source[];
}
