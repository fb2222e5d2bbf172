import { isResourceType } from '@medplum/core';
import type { SType } from './fhirpath-types.js';
import { unionType, unsupported } from './fhirpath-types.js';
import type { AstNode, Coll, Compiled, Expr, Invoke, SubsetEnv } from './fhirpath-runtime.js';
import { BAIL, BOOL, EMPTY, FALSE, INT, TRUE, bool, distinct, isTypeTest, jsonEqual, resolveReference, sameClass } from './fhirpath-runtime.js';

/*
 * The FHIRPath functions of the subset compiler (fhirpath-subset.ts): each compiled to a closure over a
 * collection of raw JSON values, or rejected with `Unsupported` (the invariant then runs on fhirpath.js).
 */

/** What a function needs from the compiler: its parameters compiled against a `$this` type. */
export interface FunctionHost {
  param(params: AstNode[], index: number, self: SType): Compiled<Expr>;
  /** Set when a construct takes @medplum/core's meaning rather than fhirpath.js's. */
  coreSemantics: boolean;
}

/** The type name in `is(T)`, `x is T`, `ofType(T)`: a plain identifier, possibly qualified (`System.Boolean`). */
export function typeName(node: AstNode | undefined): string {
  const parts: string[] = [];
  const collect = (n: AstNode): void => {
    if (n.type === 'Identifier') parts.push(n.text ?? '');
    else for (const c of n.children ?? []) collect(c);
  };
  if (node) collect(node);
  if (parts.length === 0 || parts.some((p) => !p || p.startsWith('`'))) unsupported('type specifier');
  const name = parts.join('.');
  return name.startsWith('System.') || name.startsWith('FHIR.') ? name.slice(name.indexOf('.') + 1) : name;
}


export function compileFunction(c: FunctionHost, name: string, params: AstNode[], input: SType, self: SType): Compiled<Invoke> {
  const arity = (n: number): void => {
    if (params.length !== n) unsupported(`${name} with ${params.length} parameters`);
  };
  const item: SType = input; // $this inside where/all/select/exists is one item of the input
  switch (name) {
    case 'empty':
      arity(0);
      return { fn: (i) => bool(i.length === 0), type: BOOL };
    case 'exists': {
      if (params.length === 0) return { fn: (i) => bool(i.length > 0), type: BOOL };
      const crit = criterion(c, params, item);
      return { fn: (i, _s, env) => bool(i.some((x) => crit([x], env))), type: BOOL };
    }
    case 'where': {
      const crit = criterion(c, params, item);
      return { fn: (i, _s, env) => i.filter((x) => crit([x], env)), type: input };
    }
    case 'all': {
      const crit = criterion(c, params, item);
      return { fn: (i, _s, env) => bool(i.every((x) => crit([x], env))), type: BOOL };
    }
    case 'select': {
      arity(1);
      const projection = c.param(params, 0, item);
      const p = projection.fn;
      return { fn: (i, _s, env) => i.flatMap((x) => p([x], env)), type: projection.type };
    }
    case 'not':
      arity(0);
      return {
        fn: (i) => {
          if (i.length === 0) return EMPTY;
          if (i.length > 1) throw BAIL;
          return i[0] === true ? FALSE : i[0] === false ? TRUE : FALSE;
        },
        type: BOOL,
      };
    case 'count':
      arity(0);
      return { fn: (i) => [i.length], type: INT };
    case 'first':
      arity(0);
      return { fn: (i) => (i.length === 0 ? EMPTY : [i[0]]), type: input };
    case 'last':
      arity(0);
      return { fn: (i) => (i.length === 0 ? EMPTY : [i[i.length - 1]]), type: input };
    case 'tail':
      arity(0);
      return { fn: (i) => i.slice(1), type: input };
    case 'trace':
      if (params.length !== 1) unsupported('trace with projection');
      return { fn: (i) => i, type: input };
    case 'hasValue': {
      arity(0);
      if (input.cls === 'mixed') unsupported('hasValue of mixed types');
      const primitive = input.cls !== 'obj';
      return { fn: (i) => bool(primitive && i.length === 1), type: BOOL };
    }
    case 'isDistinct':
    case 'distinct': {
      arity(0);
      if (!['str', 'int', 'bool'].includes(input.cls)) unsupported(`${name} of ${input.cls}`);
      if (name === 'distinct') return { fn: (i) => distinct(i), type: input };
      return { fn: (i) => bool(new Set(i).size === i.length), type: BOOL };
    }
    case 'allTrue':
    case 'anyTrue':
    case 'allFalse':
    case 'anyFalse': {
      arity(0);
      if (input.cls !== 'bool') unsupported(`${name} of ${input.cls}`);
      const want = name.endsWith('True');
      const every = name.startsWith('all');
      return { fn: (i) => bool(every ? i.every((x) => x === want) : i.some((x) => x === want)), type: BOOL };
    }
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      return stringFn(c, name, params, input, self);
    case 'htmlChecks':
    case 'htmlchecks':
      // @medplum/core's engine returns true for htmlChecks(); the narrative XHTML is not checked (as before).
      arity(0);
      return { fn: () => TRUE, type: BOOL };
    case 'combine':
    case 'union':
    case 'intersect': {
      arity(1);
      const other = c.param(params, 0, self);
      return combining(name, input, other);
    }
    case 'iif':
      return iif(c, params, input);
    case 'ofType': {
      arity(1);
      const type = typeName(params[0]);
      if (!isResourceType(type)) unsupported(`ofType(${type})`);
      const test = isTypeTest(type) as (v: unknown) => boolean;
      return { fn: (i) => i.filter(test), type: { cls: 'obj', name: type } };
    }
    case 'is': {
      arity(1);
      const test = typeTest(c, typeName(params[0]));
      return { fn: (i) => i.map(test), type: BOOL };
    }
    case 'resolve':
      arity(0);
      c.coreSemantics = true;
      return {
        fn: (i) => {
          let out: unknown[] | undefined;
          for (const v of i) {
            const target = resolveReference(v);
            if (target !== undefined) (out ??= []).push(target);
          }
          return out ?? EMPTY;
        },
        type: { cls: 'obj', name: 'Resource' },
      };
    default:
      return unsupported(`function ${name}`);
  }
}

export function typeTest(c: FunctionHost, name: string): (v: unknown) => boolean {
  const test = isTypeTest(name) ?? unsupported(`is ${name}`);
  if (name === 'Boolean') c.coreSemantics = true;
  return test;
}

/** iif(criterion, then[, else]): all three evaluated on the input collection, as in both engines. */
function iif(c: FunctionHost, params: AstNode[], input: SType): Compiled<Invoke> {
  if (params.length !== 2 && params.length !== 3) unsupported('iif arity');
  const crit = c.param(params, 0, input);
  if (crit.type.cls !== 'bool') unsupported('non-Boolean iif criterion');
  const yes = c.param(params, 1, input);
  const no = params.length === 3 ? c.param(params, 2, input) : undefined;
  const test = crit.fn;
  const y = yes.fn;
  const n = no?.fn;
  return {
    fn: (i, _s, env) => {
      const r = test(i, env);
      if (r.length > 1) throw BAIL;
      if (r[0] === true) return y(i, env);
      return n ? n(i, env) : EMPTY;
    },
    type: no ? unionType([yes.type, no.type]) : yes.type,
  };
}

/** A where/all/exists criterion: must yield a Boolean; an item passes on `true`. */
function criterion(c: FunctionHost, params: AstNode[], item: SType): (x: Coll, env: SubsetEnv) => boolean {
  if (params.length !== 1) unsupported('criterion arity');
  const crit = c.param(params, 0, item);
  if (crit.type.cls !== 'bool') unsupported('non-Boolean criterion');
  const f = crit.fn;
  return (x, env) => {
    const r = f(x, env);
    if (r.length > 1) throw BAIL;
    return r[0] === true;
  };
}

function stringFn(c: FunctionHost, name: string, params: AstNode[], input: SType, self: SType): Compiled<Invoke> {
  if (params.length !== 1) unsupported(`${name} arity`);
  if (input.cls !== 'str') unsupported(`${name} of ${input.cls}`);
  const arg = c.param(params, 0, self);
  if (arg.type.cls !== 'str') unsupported(`${name} argument`);
  const a = arg.fn;
  const op = name === 'startsWith' ? (s: string, t: string) => s.startsWith(t) : name === 'endsWith' ? (s: string, t: string) => s.endsWith(t) : (s: string, t: string) => s.includes(t);
  return {
    fn: (i, s, env) => {
      const t = a(s, env);
      if (i.length > 1 || t.length > 1) throw BAIL;
      if (i.length === 0 || t.length === 0) return EMPTY;
      return bool(op(i[0] as string, t[0] as string));
    },
    type: BOOL,
  };
}

function combining(name: string, input: SType, other: Compiled<Expr>): Compiled<Invoke> {
  const o = other.fn;
  if (name === 'combine') return { fn: (i, s, env) => [...i, ...o(s, env)], type: unionType([input, other.type]) };
  if (sameClass(input, other.type, ['str', 'int', 'bool'])) {
    if (name === 'union') return { fn: (i, s, env) => distinct([...i, ...o(s, env)]), type: input };
    return {
      fn: (i, s, env) => {
        const b = new Set(o(s, env));
        return distinct(i.filter((x) => b.has(x)));
      },
      type: input,
    };
  }
  if (name !== 'intersect' || input.cls !== 'obj' || other.type.cls !== 'obj' || input.name !== other.type.name) unsupported(name);
  // intersect of complex values (obs-7 intersects Codings): JSON deep equality, as fhirpath.js's deepEqual.
  return {
    fn: (i, s, env) => {
      if (i.length === 0) return EMPTY;
      const b = o(s, env);
      if (b.length === 0) return EMPTY;
      const out: unknown[] = [];
      for (const x of i) {
        if (b.some((y) => jsonEqual(x, y)) && !out.some((y) => jsonEqual(x, y))) out.push(x);
      }
      return out;
    },
    type: input,
  };
}
