/*
 * The events of the course-of-care machine and the data each needs. `eventSchemas` is the table the API validates
 * against (400 on missing/mistyped data) and lists as "allowed events with their data".
 */
export type Stratum = '1' | '2' | '3' | '4';
export type RestratifyTrigger = 'ACUTE_EPISODE' | 'ANNUAL_CONTROL' | 'NEW_DIAGNOSIS';
export interface StratumData { stratum: Stratum; complexity: 'low' | 'high'; selfCare: 'good' | 'low'; severity?: 'mild' | 'moderate' | 'severe' }

export type CourseEvent =
  | { type: 'SCREENED'; eligible: boolean; reason?: string }
  | { type: 'CONSENT_GIVEN' }
  | { type: 'CONSENT_DECLINED'; reason?: string }
  | ({ type: 'STRATIFIED' } & StratumData)
  | ({ type: 'STRATUM_OVERRIDDEN'; reason?: string } & StratumData)
  | { type: 'RESTRATIFY'; trigger: RestratifyTrigger }
  | { type: 'TOVHOLDER_SET'; practitioner: string }
  | { type: 'COORDINATOR_ASSIGNED'; practitioner: string }
  | { type: 'VULNERABILITY_FLAGGED'; reason: string }
  | { type: 'HANDOVER_ACCEPTED' }
  | { type: 'HANDOVER_DEADLINE' }
  | { type: 'GOALS_AGREED'; goals: string[] }
  | { type: 'CLARIFYING_OVERDUE' }
  | { type: 'SESSION_ATTENDED' }
  | { type: 'SESSION_MISSED' }
  | { type: 'CLOSING_DONE' }
  | { type: 'FOLLOW_UP_DUE' }
  | { type: 'FOLLOW_UP_DONE' }
  | { type: 'ANNUAL_CONTROL_DUE' }
  | { type: 'PAUSE'; reason?: string }
  | { type: 'RESUME' }
  | { type: 'WITHDRAW'; reason: string }
  | { type: 'TRANSFER'; to: string }
  | { type: 'DEATH'; date?: string };

/** `reference`: a `Type/id` of a Practitioner, PractitionerRole, Organization…; `dateTime`: FHIR date or dateTime. */
export type FieldType = 'string' | 'boolean' | 'string[]' | 'stratum' | 'code' | 'reference' | 'dateTime';
export interface FieldSchema { type: FieldType; required: boolean; values?: string[] }
export interface EventSchema { description: string; data: Record<string, FieldSchema> }

const req = (type: FieldType, values?: string[]): FieldSchema => ({ type, required: true, ...(values && { values }) });
const opt = (type: FieldType, values?: string[]): FieldSchema => ({ type, required: false, ...(values && { values }) });
const stratumData = {
  stratum: req('code', ['1', '2', '3', '4']),
  complexity: req('code', ['low', 'high']),
  selfCare: req('code', ['good', 'low']),
  severity: opt('code', ['mild', 'moderate', 'severe']),
};

export const eventSchemas: Record<CourseEvent['type'], EventSchema> = {
  SCREENED: { description: 'Eligibility screening result of the referral.', data: { eligible: req('boolean'), reason: opt('string') } },
  CONSENT_GIVEN: { description: 'The patient consents to the course.', data: {} },
  CONSENT_DECLINED: { description: 'The patient declines the course (final).', data: { reason: opt('string') } },
  STRATIFIED: { description: 'Computed stratum.', data: stratumData },
  STRATUM_OVERRIDDEN: { description: 'Clinician overrides the stratum; reason required.', data: { ...stratumData, reason: req('string') } },
  RESTRATIFY: { description: 'Start re-stratification.', data: { trigger: req('code', ['ACUTE_EPISODE', 'ANNUAL_CONTROL', 'NEW_DIAGNOSIS']) } },
  TOVHOLDER_SET: { description: 'The tovholder (Practitioner reference) is set.', data: { practitioner: req('reference') } },
  COORDINATOR_ASSIGNED: { description: 'A care coordinator (Practitioner reference) is assigned; handover starts.', data: { practitioner: req('reference') } },
  VULNERABILITY_FLAGGED: { description: 'A clinician flags the patient as vulnerable (reason required): a care coordinator is requested whatever the stratum.', data: { reason: req('string') } },
  HANDOVER_ACCEPTED: { description: 'The new coordinator accepts the handover.', data: {} },
  HANDOVER_DEADLINE: { description: 'Timer: the handover was not accepted in time.', data: {} },
  GOALS_AGREED: { description: 'Clarifying conversation held; goals agreed.', data: { goals: req('string[]') } },
  CLARIFYING_OVERDUE: { description: 'Timer: the clarifying conversation is overdue.', data: {} },
  SESSION_ATTENDED: { description: 'The patient attended an education session.', data: {} },
  SESSION_MISSED: { description: 'The patient missed an education session.', data: {} },
  CLOSING_DONE: { description: 'Closing conversation held; goals reviewed.', data: {} },
  FOLLOW_UP_DUE: { description: 'Timer: the follow-up conversation is due.', data: {} },
  FOLLOW_UP_DONE: { description: 'Follow-up conversation held.', data: {} },
  ANNUAL_CONTROL_DUE: { description: 'Timer: the annual control is due.', data: {} },
  PAUSE: { description: 'Put the course on hold.', data: { reason: opt('string') } },
  RESUME: { description: 'Resume a paused course.', data: {} },
  WITHDRAW: { description: 'The patient leaves the course (final).', data: { reason: req('string') } },
  TRANSFER: { description: 'The course moves to another organisation or GP (Organization/Practitioner reference; final here).', data: { to: req('reference') } },
  DEATH: { description: 'The patient has died (final; all plans revoked).', data: { date: opt('dateTime') } },
};
