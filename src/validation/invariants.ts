import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { UserInvocationTable } from 'fhirpath';
import { BAIL, compileSubset } from './fhirpath-subset.js';
import type { SubsetEnv } from './fhirpath-subset.js';

/*
 * Invariants (ElementDefinition.constraint) of the base definitions, each compiled once: to closures over raw
 * JSON when the expression is in the subset fhirpath-subset.ts handles (nearly all the frequent ones), and
 * always, lazily, with fhirpath.js (`fhirpath.compile`, R4 model) for the rest and for data the closures do not
 * model. An invariant is met when the expression yields exactly `true`, as in @medplum/core.
 */

export interface ConstraintSource {
  readonly key: string;
  readonly expression: string;
  readonly human: string;
}

/** Where an invariant is evaluated: the value's FHIR type, the model path for fhirpath.js, and %resource's type. */
export interface InvariantBase {
  readonly type: string;
  readonly path: string;
  readonly resourceType: string;
}

/**
 * Where a value is evaluated: %resource (the resource it belongs to), %rootResource (the resource being
 * validated), and the value itself as a one-item collection. One per value, shared by its invariants.
 */
export type InvariantEnv = SubsetEnv;

export interface Invariant extends ConstraintSource {
  /** true when met, false when not, an Error when the expression could not be evaluated. */
  check(input: unknown, env: InvariantEnv): boolean | Error;
}

type Fast = NonNullable<ReturnType<typeof compileSubset>>;
type Slow = (resource: unknown, vars: Record<string, unknown>) => unknown[];

const FHIRPATH_OPTIONS: { traceFn: () => void; userInvocationTable: UserInvocationTable } = {
  // trace() must not write to stdout; htmlChecks() is true as in @medplum/core's engine (narrative XHTML is
  // not checked).
  traceFn: () => undefined,
  userInvocationTable: { htmlChecks: { fn: () => true, arity: { 0: [] } }, htmlchecks: { fn: () => true, arity: { 0: [] } } },
};

/** Counters and the optional cross-check of the compiled closures against fhirpath.js (used by the tests). */
export const invariantStats = {
  crossCheck: false,
  fast: 0,
  slow: 0,
  /** Slow evaluations per invariant key, to see which expressions the subset should cover next. */
  slowByKey: new Map<string, number>(),
  mismatches: [] as string[],
};

const fastCache = new Map<string, Fast | null>();
const slowCache = new Map<string, Slow>();

export function compileInvariants(constraints: readonly ConstraintSource[], base: InvariantBase): Invariant[] {
  return constraints.map((c) => compileInvariant(c, base));
}

function compileInvariant(c: ConstraintSource, base: InvariantBase): Invariant {
  const fastKey = `${base.type}|${base.resourceType}|${c.expression}`;
  let fast = fastCache.get(fastKey);
  if (fast === undefined) {
    fast = compileSubset(c.expression, base.type, base.resourceType) ?? null;
    fastCache.set(fastKey, fast);
  }
  const slowEval = (input: unknown, env: InvariantEnv, count = true): boolean | Error => {
    // fhirpath.js 5.2 fails on a decimal at the root of a typed evaluation (ctx.getDecimal is not set yet):
    // evaluate numbers untyped.
    const slow = slowFunction(typeof input === 'number' ? '' : base.path, c.expression);
    if (count) {
      invariantStats.slow++;
      invariantStats.slowByKey.set(c.key, (invariantStats.slowByKey.get(c.key) ?? 0) + 1);
    }
    try {
      const result = slow(input, { resource: env.resource, rootResource: env.rootResource });
      return result.length === 1 && result[0] === true;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const compiled = fast;
  return {
    key: c.key,
    expression: c.expression,
    human: c.human,
    check(input, env) {
      if (compiled) {
        let met: boolean | undefined;
        env.coreOnly = false;
        try {
          const result = compiled.fn(env.context, env);
          met = result.length === 1 && result[0] === true;
        } catch (err) {
          if (err !== BAIL) throw err;
        }
        if (met !== undefined) {
          invariantStats.fast++;
          if (invariantStats.crossCheck && !compiled.coreSemantics && !env.coreOnly) crossCheck(c, base, met, slowEval(input, env, false));
          return met;
        }
      }
      return slowEval(input, env);
    },
  };
}

function slowFunction(path: string, expression: string): Slow {
  const key = `${path}|${expression}`;
  let fn = slowCache.get(key);
  if (!fn) {
    fn = (path ? fhirpath.compile({ base: path, expression }, r4, FHIRPATH_OPTIONS) : fhirpath.compile(expression, r4, FHIRPATH_OPTIONS)) as Slow;
    slowCache.set(key, fn);
  }
  return fn;
}

function crossCheck(c: ConstraintSource, base: InvariantBase, fast: boolean, slow: boolean | Error): void {
  if (slow === fast) return;
  const slowText = slow instanceof Error ? `error ${slow.message}` : String(slow);
  invariantStats.mismatches.push(`${c.key} on ${base.path} (${base.type}): compiled ${fast}, fhirpath.js ${slowText}: ${c.expression}`);
}
