import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

/**
 * An error that carries its HTTP status and FHIR OperationOutcome. Every layer throws this for
 * anything the client caused; the HTTP layer turns it into a response. Anything else is a bug (500).
 */
export class FhirError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly headers: Record<string, string>;

  constructor(status: number, outcome: OperationOutcome, headers: Record<string, string> = {}) {
    super(outcome.issue?.[0]?.diagnostics ?? `HTTP ${status}`);
    this.status = status;
    this.outcome = outcome;
    this.headers = headers;
  }
}

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function informational(diagnostics: string): OperationOutcome {
  return outcome('information', 'informational', diagnostics);
}

export function fail(status: number, code: IssueCode, diagnostics: string, expression?: string[]): never {
  throw new FhirError(status, outcome('error', code, diagnostics, expression));
}

export function badRequest(msg: string, expression?: string[]): never {
  return fail(400, 'invalid', msg, expression);
}
export function notFound(msg: string): never {
  return fail(404, 'not-found', msg);
}
export function gone(msg: string): never {
  return fail(410, 'deleted', msg);
}
export function conflict(msg: string): never {
  return fail(409, 'conflict', msg);
}
export function preconditionFailed(msg: string): never {
  return fail(412, 'conflict', msg);
}
export function unprocessable(msg: string, expression?: string[]): never {
  return fail(422, 'processing', msg, expression);
}
export function notSupported(msg: string): never {
  return fail(400, 'not-supported', msg);
}
