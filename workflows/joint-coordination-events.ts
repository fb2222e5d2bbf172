import type { EventSchema, FieldSchema } from './events.js';

/*
 * Events of the joint-coordination machine for particularly frail elderly medical patients (seed 003) and the
 * data each needs. Timer events (…_OVERDUE, FOLLOW_UP_DUE) come from the engine's durable timers.
 */
export type JointEvent =
  | { type: 'INCLUDED'; basis?: string[]; judgement?: string }
  | { type: 'NOT_INCLUDED'; reason: string }
  | { type: 'CONSENT_GIVEN' }
  | { type: 'CONSENT_DECLINED'; reason?: string }
  | { type: 'COORDINATOR_ASSIGNED'; practitioner: string }
  | { type: 'HANDOVER_ACCEPTED' }
  | { type: 'HANDOVER_DEADLINE' }
  | { type: 'ADMITTED'; encounter?: string }
  | { type: 'ADMISSION_REPORT_SENT' }
  | { type: 'ADMISSION_REPORT_OVERDUE' }
  | { type: 'JOINT_DISCHARGE_PLAN_MADE' }
  | { type: 'CARE_COURSE_PLAN_MADE' }
  | { type: 'READY_FOR_DISCHARGE_NOTIFIED' }
  | { type: 'DISCHARGE_NOTICE_OVERDUE' }
  | { type: 'DISCHARGED' }
  | { type: 'DISCHARGE_REPORT_SENT' }
  | { type: 'DISCHARGE_REPORT_OVERDUE' }
  | { type: 'DISCHARGE_LETTER_SENT' }
  | { type: 'DISCHARGE_LETTER_OVERDUE' }
  | { type: 'FOLLOW_UP_DUE' }
  | { type: 'FOLLOW_UP_DONE' }
  | { type: 'PAUSE'; reason?: string }
  | { type: 'RESUME' }
  | { type: 'WITHDRAW'; reason: string }
  | { type: 'TRANSFER'; to: string }
  | { type: 'DEATH'; date?: string };

/**
 * The inclusion parameters of seed 003 ("Målgruppe"): the selectable codes of the frail-elderly-parameter
 * CodeSystem (seed/catalogue/frail-elderly-parameters.ts; a unit test keeps the two equal), including the
 * Observation code of an inclusion by professional judgement, which $apply may pass on as a basis.
 */
export const FRAIL_PARAMETERS = [
  'reduced-function', 'severe-chronic-disease', 'medication-follow-up',
  'readmission', 'long-admission', 'frequent-cross-sector-contact',
  'weak-network', 'recently-widowed', 'limited-self-care', 'substance-abuse', 'cognitive-impairment', 'communication-barrier',
  'professional-judgement',
];

const req = (type: FieldSchema['type']): FieldSchema => ({ type, required: true });
const opt = (type: FieldSchema['type'], values?: string[]): FieldSchema => ({ type, required: false, ...(values && { values }) });
const none = (description: string): EventSchema => ({ description, data: {} });

export const jointEventSchemas: Record<JointEvent['type'], EventSchema> = {
  INCLUDED: { description: 'Included on health, organisational or social parameters (`basis`: frail-elderly-parameter codes; codes not listed do not count) or by professional judgement (`judgement`: the reason); one of the two is needed.', data: { basis: opt('string[]', FRAIL_PARAMETERS), judgement: opt('string') } },
  NOT_INCLUDED: { description: 'Not included (final).', data: { reason: req('string') } },
  CONSENT_GIVEN: none('The patient consents to the joint coordination.'),
  CONSENT_DECLINED: { description: 'The patient declines (final).', data: { reason: opt('string') } },
  COORDINATOR_ASSIGNED: { description: 'A coordinator (Practitioner reference) is assigned; relay handover starts.', data: { practitioner: req('reference') } },
  HANDOVER_ACCEPTED: none('The coordinator accepts the handover.'),
  HANDOVER_DEADLINE: none('Timer: the handover was not accepted in time.'),
  ADMITTED: { description: 'The patient is admitted (an inpatient or emergency Encounter).', data: { encounter: opt('reference') } },
  ADMISSION_REPORT_SENT: none('Quality: information at admission (MedCom admission report) sent.'),
  ADMISSION_REPORT_OVERDUE: none('Timer: no admission report within the deadline.'),
  JOINT_DISCHARGE_PLAN_MADE: none('Quality: a joint plan for the discharge is made.'),
  CARE_COURSE_PLAN_MADE: none('Quality: a care-course plan is made at the hospital before discharge.'),
  READY_FOR_DISCHARGE_NOTIFIED: none('Quality: the municipality is notified that the patient is ready for discharge.'),
  DISCHARGE_NOTICE_OVERDUE: none('Timer: the notice of readiness for discharge is late.'),
  DISCHARGED: none('The patient is discharged.'),
  DISCHARGE_REPORT_SENT: none('Quality: the discharge report reached the municipality.'),
  DISCHARGE_REPORT_OVERDUE: none('Timer: the discharge report is late.'),
  DISCHARGE_LETTER_SENT: none('Quality: the discharge letter (epicrisis) reached general practice.'),
  DISCHARGE_LETTER_OVERDUE: none('Timer: the discharge letter is late.'),
  FOLLOW_UP_DUE: none('Timer: the follow-up conversation is due.'),
  FOLLOW_UP_DONE: none('Follow-up conversation held: the coordination ends (completed).'),
  PAUSE: { description: 'Put the coordination on hold.', data: { reason: opt('string') } },
  RESUME: none('Resume a paused coordination.'),
  WITHDRAW: { description: 'The patient leaves the coordination (final).', data: { reason: req('string') } },
  TRANSFER: { description: 'The coordination moves to another organisation (final here).', data: { to: req('reference') } },
  DEATH: { description: 'The patient has died (final; all plans revoked).', data: { date: opt('dateTime') } },
};
