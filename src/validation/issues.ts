import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/*
 * Issue shapes of the structural validator. They copy @medplum/core's (createStructureIssue,
 * createConstraintIssue, ...) so that clients see the same OperationOutcome as before the validator was
 * compiled: code, details.text and expression; diagnostics only where core sets it.
 */

export type Issue = OperationOutcomeIssue;

/**
 * An element path, built only when an issue needs it: most values are valid, and joining strings for every
 * element visited cost about a quarter of the walk.
 */
export class LazyPath {
  private text?: string;

  constructor(
    private readonly parent: PathLike,
    private readonly key: string,
    /** Array index, or -1 for a single value. */
    private readonly index: number,
  ) {}

  toString(): string {
    this.text ??= this.index < 0 ? `${String(this.parent)}.${this.key}` : `${String(this.parent)}.${this.key}[${this.index}]`;
    return this.text;
  }
}

export type PathLike = string | LazyPath;

export function structureIssue(expression: PathLike, text: string): Issue {
  return { severity: 'error', code: 'structure', details: { text }, expression: [String(expression)] };
}

export function structureWarning(expression: PathLike, text: string): Issue {
  return { severity: 'warning', code: 'structure', details: { text }, expression: [String(expression)] };
}

export function constraintIssue(expression: PathLike, key: string, human: string, fhirpath: string): Issue {
  return {
    severity: 'error',
    code: 'invariant',
    details: { text: `Constraint ${key} not met: ${human}` },
    expression: [String(expression)],
    diagnostics: JSON.stringify({ fhirpath }),
  };
}

export function processingIssue(expression: PathLike, text: string, data: Record<string, unknown>): Issue {
  return { severity: 'error', code: 'processing', details: { text }, expression: [String(expression)], diagnostics: JSON.stringify(data) };
}
