import type { Parameters } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { badRequest } from '../fhir/errors.js';
import { collectParameters, parametersBody } from '../fhir/parameters.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { advanceClock } from '../workflow/clock-control.js';
import { addIsoDuration, fhirDurationToIso, parseIsoDuration, type IsoDuration } from '../workflow/durations.js';
import type { OperationDefinitionEntry } from './registry.js';

/*
 * POST /fhir/$advance-clock (CLOCK=manual only): `to` a dateTime, or `by` a FHIR Duration (valueDuration, UCUM
 * time units) or an ISO 8601 duration string (P3M, P14D, PT2H). Fires the timers that fall due on the way.
 */

function target(ctx: FhirContext, req: FhirRequest): string {
  const duration = parametersBody(req, 'advance-clock')?.parameter?.find((p) => p.name === 'by' && p.valueDuration)?.valueDuration;
  const params = collectParameters(req, 'advance-clock', (p) => p.valueDuration !== undefined);
  const to = params.get('to');
  const by = params.get('by');
  const given = Number(!!to) + Number(!!(by || duration));
  if (given !== 1 || (to && to.length > 1) || (by && by.length > 1)) badRequest('$advance-clock takes exactly one of `to` (dateTime) or `by` (Duration or ISO 8601 duration)');
  const now = ctx.now();
  if (to) {
    const t = Date.parse(to[0]);
    if (!/^\d{4}-\d{2}-\d{2}/.test(to[0]) || Number.isNaN(t)) badRequest(`to must be a dateTime, got "${to[0]}"`);
    const instant = new Date(t).toISOString();
    if (instant < now) badRequest(`to (${instant}) is before the current time ${now}: the clock only moves forward`);
    return instant;
  }
  let iso: IsoDuration | undefined;
  if (duration) {
    iso = fhirDurationToIso(duration.value ?? NaN, duration.code ?? duration.unit);
    if (!iso) badRequest('by: a Duration needs a non-negative value and a UCUM time unit (a, mo, wk, d, h, min, s; a and mo whole)');
  } else {
    iso = parseIsoDuration(by![0]);
    if (!iso) badRequest(`by must be an ISO 8601 duration such as P3M or PT2H, got "${by![0]}"`);
  }
  return addIsoDuration(now, iso!);
}

export const advanceClockOperation: OperationDefinitionEntry = {
  name: 'advance-clock',
  definition: 'https://forlob.dk/fhir/OperationDefinition/advance-clock',
  levels: ['system'],
  methods: ['POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const { now, fired } = await advanceClock(ctx, target(ctx, req));
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'now', valueInstant: now },
        ...fired.map((f) => ({
          name: 'fired',
          part: [
            { name: 'carePlan', valueReference: { reference: `CarePlan/${f.carePlanId}` } },
            { name: 'timer', valueString: f.timerId },
            { name: 'event', valueCode: f.event },
            { name: 'due', valueDateTime: f.due },
            { name: 'applied', valueBoolean: f.applied },
          ],
        })),
      ],
    };
    return { status: 200, body };
  },
};
