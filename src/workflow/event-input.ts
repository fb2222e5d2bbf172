import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { EventSchema, FieldSchema } from '../../workflows/events.js';
import { FhirError } from '../fhir/errors.js';

/*
 * The parameters of $event (name → string values, see fhir/parameters.ts) → the machine event, checked against
 * the machine's eventSchemas: unknown event, missing or mistyped data, unknown data fields → 400 listing every
 * problem. `by` (who sends it: a Practitioner, PractitionerRole or Organization reference) is not event data.
 */

export interface EventInput {
  event: { type: string } & Record<string, unknown>;
  by?: string;
}

const WHO = /^(Practitioner|PractitionerRole|Organization|Patient|RelatedPerson|Device)\/[A-Za-z0-9\-.]{1,64}$/;
const RESERVED = new Set(['event', 'by']);

function convert(name: string, field: FieldSchema, values: string[], issues: string[]): unknown {
  if (field.type === 'string[]') {
    const texts = values.map((v) => v.trim()).filter(Boolean);
    if (texts.length === 0) issues.push(`${name} needs at least one non-empty value`);
    const unknown = field.values ? texts.filter((t) => !field.values!.includes(t)) : [];
    if (unknown.length) issues.push(`${name}: ${unknown.join(', ')} not among ${field.values!.join(', ')}`);
    return texts;
  }
  if (values.length > 1) issues.push(`${name} takes one value, got ${values.length}`);
  const value = values[0];
  switch (field.type) {
    case 'boolean':
      if (value !== 'true' && value !== 'false') issues.push(`${name} must be true or false, got "${value}"`);
      return value === 'true';
    case 'code':
    case 'stratum':
      if (field.values && !field.values.includes(value)) issues.push(`${name} must be one of ${field.values.join(', ')}, got "${value}"`);
      return value;
    case 'reference':
      if (!WHO.test(value)) issues.push(`${name} must be a reference such as Practitioner/{id}, got "${value}"`);
      return value;
    case 'dateTime':
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value)))
        issues.push(`${name} must be a date or dateTime, got "${value}"`);
      return value;
    default:
      if (!value.trim()) issues.push(`${name} must not be empty`);
      return value;
  }
}

export function parseEventInput(params: Map<string, string[]>, schemas: Record<string, EventSchema>): EventInput {
  const fail = (issues: string[], allowed?: string) =>
    new FhirError(400, {
      resourceType: 'OperationOutcome',
      issue: issues.map((diagnostics): OperationOutcomeIssue => ({ severity: 'error', code: 'invalid', diagnostics, ...(allowed && { details: { text: allowed } }) })),
    });
  const names = params.get('event') ?? [];
  if (names.length !== 1) throw fail([`$event needs exactly one "event" parameter, got ${names.length}`]);
  const type = names[0];
  const schema = schemas[type];
  if (!schema) throw fail([`Unknown event "${type}"`], `Events of this machine: ${Object.keys(schemas).join(', ')}`);
  const issues: string[] = [];
  const event: EventInput['event'] = { type };
  for (const [name, field] of Object.entries(schema.data)) {
    const values = params.get(name);
    if (!values?.length) {
      if (field.required) issues.push(`${type} needs ${name} (${field.type})`);
      continue;
    }
    event[name] = convert(name, field, values, issues);
  }
  for (const name of params.keys()) if (!RESERVED.has(name) && !(name in schema.data)) issues.push(`${type} takes no parameter "${name}"`);
  const by = params.get('by');
  if (by && (by.length > 1 || !WHO.test(by[0]))) issues.push('by must be one reference such as Practitioner/{id}');
  if (issues.length) throw fail(issues);
  return { event, ...(by && { by: by[0] }) };
}
