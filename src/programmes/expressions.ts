import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { UserInvocationTable } from 'fhirpath';
import type { Expression } from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/errors.js';
import type { Terminology } from './codes.js';

/*
 * FHIRPath applicability expressions of a programme (`text/fhirpath`), compiled once with fhirpath.js and the
 * R4 model. FHIR's memberOf(url) is ours: fhirpath.js's own asks a terminology server asynchronously; the user
 * invocation table is consulted before the built-in table, so this local one is what runs. fhirpath.js binds
 * user functions at compile time, so the value sets of the current evaluation are handed over in `active`,
 * set for the duration of one synchronous evaluation.
 */

let active: Terminology | undefined;

const TABLE: UserInvocationTable = {
  memberOf: {
    // FHIRPath: empty for an input of other than one item, else whether that item is in the value set.
    fn: (inputs: unknown[], url: string) => {
      if (inputs.length !== 1 || !active) return [];
      return [active.memberOf(url, inputs[0])];
    },
    arity: { 1: ['String'] },
  },
};

/** A compiled expression: the variables (without `%`) in, the result collection out. */
export type Evaluator = (vars: Record<string, unknown>, terminology: Terminology) => unknown[];

/** The value sets an expression names in memberOf('...') calls, so they can be loaded and reported. */
export function memberOfUrls(expression: string): string[] {
  return [...expression.matchAll(/memberOf\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
}

/** Compile an applicability expression; `where` names it in the 422 a broken programme gives. */
export function compileExpression(expr: Expression | undefined, where: string): Evaluator {
  if (!expr?.expression) unprocessable(`${where} has no expression`, [where]);
  if (expr!.language !== 'text/fhirpath') unprocessable(`${where}: only text/fhirpath expressions are supported, not ${expr!.language}`, [where]);
  let compiled: (resource: unknown, vars: Record<string, unknown>) => unknown;
  try {
    compiled = fhirpath.compile(expr!.expression!, r4, { userInvocationTable: TABLE, traceFn: () => undefined }) as typeof compiled;
  } catch (err) {
    return unprocessable(`${where}: the expression does not compile: ${(err as Error).message}`, [where]);
  }
  return (vars, terminology) => {
    active = terminology;
    try {
      return compiled(vars.patient ?? {}, vars) as unknown[];
    } catch (err) {
      return unprocessable(`${where}: the expression failed: ${(err as Error).message}`, [where]);
    } finally {
      active = undefined;
    }
  };
}

/** A FHIRPath date (for `%today - 65 years`): fhirpath.js's own type, made by evaluating the literal. */
export function fhirpathDate(isoDate: string): unknown {
  return fhirpath.evaluate({}, `@${isoDate}`, undefined, undefined, { resolveInternalTypes: false })[0];
}

/** An applicability condition holds only when the result is exactly `true`. */
export function isTrue(result: unknown[]): boolean {
  return result.length === 1 && result[0] === true;
}
