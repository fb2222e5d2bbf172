import fhirpath from 'fhirpath';
import { isResourceType } from '@medplum/core';
import { compileFunction, typeName, typeTest } from './fhirpath-functions.js';
import type { FunctionHost } from './fhirpath-functions.js';
import type { AstNode, Coll, Compiled, Expr, Invoke } from './fhirpath-runtime.js';
import { BAIL, BOOL, EMPTY, FALSE, INT, TRUE, and3, bool, bool3, compareDates, distinct, equalColls, implies3, or3, readMember, sameClass, xor3 } from './fhirpath-runtime.js';
import type { MemberPlan, SType } from './fhirpath-types.js';
import { anyResourceMemberType, memberPlan, typeOfCode, Unsupported, unionType, unsupported } from './fhirpath-types.js';
import { isPrimitiveCode } from './primitives.js';

export { BAIL } from './fhirpath-runtime.js';
export type { SubsetEnv } from './fhirpath-runtime.js';

/*
 * A compiler from a subset of FHIRPath to JavaScript closures over raw JSON, for the invariants of the base
 * definitions. fhirpath.js costs 2–15 µs per invariant (it wraps every node it visits); the closures here cost
 * well under a microsecond for the common ones (dom-2, ext-1, obs-7, ...).
 *
 * The closures reproduce fhirpath.js's results (the cross-check in test/unit/validation-structure.test.ts runs
 * both on every invariant of every official example). Whatever they do not cover is decided either
 * - at compile time: unsupported syntax, functions or operand types throw `Unsupported`, and the invariant is
 *   evaluated by fhirpath.js instead; or
 * - at run time: data the closures do not model (primitive extensions `_x`, nulls, JSON of the wrong type,
 *   several values of one choice element, ...) throws `BAIL`, and that one evaluation goes to fhirpath.js.
 */

export interface CompiledInvariant {
  readonly fn: Expr;
  /**
   * True when the expression uses a construct whose meaning here is @medplum/core's rather than fhirpath.js's
   * (`resolve()`, which fhirpath.js only runs asynchronously; `is Boolean` on a FHIR boolean, which fhirpath.js
   * answers false). The cross-check against fhirpath.js skips these.
   */
  readonly coreSemantics: boolean;
}

/**
 * Compile an invariant. `contextType` is the FHIR type of the value it is evaluated on, `resourceType` the static
 * type of %resource (`Resource` when unknown). Returns undefined when the expression is outside the subset.
 */
export function compileSubset(expression: string, contextType: string, resourceType: string): CompiledInvariant | undefined {
  try {
    const ast = fhirpath.parse(expression) as AstNode;
    const compiler = new SubsetCompiler(resourceType);
    const fn = compiler.expr(ast, typeOfCode(contextType)).fn;
    return { fn, coreSemantics: compiler.coreSemantics };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function identifier(node: AstNode | undefined): string {
  const text = node?.text ?? unsupported('identifier');
  if (text.startsWith('`')) unsupported('delimited identifier');
  return text;
}

function stringLiteral(text: string): string {
  return text.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (match: string, sub: string) => {
    switch (match) {
      case '\\r': return '\r';
      case '\\n': return '\n';
      case '\\t': return '\t';
      case '\\f': return '\f';
      default: return sub.length > 1 ? String.fromCharCode(parseInt(sub.slice(1), 16)) : sub;
    }
  });
}

class SubsetCompiler implements FunctionHost {
  coreSemantics = false;

  constructor(private readonly resourceType: string) {}

  expr(node: AstNode, self: SType): Compiled<Expr> {
    const ch = node.children ?? [];
    switch (node.type) {
      case 'EntireExpression':
      case 'TermExpression':
        return node.type === 'TermExpression' ? this.term(ch[0], self) : this.expr(ch[0], self);
      case 'InvocationExpression': {
        const left = this.expr(ch[0], self);
        const right = this.invocation(ch[1], left.type, self);
        const l = left.fn;
        const r = right.fn;
        return { fn: (s, env) => r(l(s, env), s, env), type: right.type };
      }
      case 'EqualityExpression':
        return this.equality(node.text ?? '', this.expr(ch[0], self), this.expr(ch[1], self));
      case 'InequalityExpression':
        return this.inequality(node.text ?? '', this.expr(ch[0], self), this.expr(ch[1], self));
      case 'AndExpression':
      case 'OrExpression':
      case 'XorExpression':
      case 'ImpliesExpression':
        return this.logic(node.text ?? '', this.expr(ch[0], self).fn, this.expr(ch[1], self).fn);
      case 'MembershipExpression':
        return this.membership(node.text ?? '', this.expr(ch[0], self), this.expr(ch[1], self));
      case 'AdditiveExpression':
        return this.additive(node.text ?? '', this.expr(ch[0], self), this.expr(ch[1], self));
      case 'TypeExpression': {
        // `x is T` (core: empty unless x is one value); `x as T` is not compiled.
        if (node.text !== 'is') unsupported(`operator ${node.text}`);
        const test = typeTest(this, typeName(ch[1]));
        const f = this.expr(ch[0], self).fn;
        return { fn: (s, env) => { const x = f(s, env); return x.length === 1 ? bool(test(x[0])) : EMPTY; }, type: BOOL };
      }
      case 'UnionExpression': {
        const a = this.expr(ch[0], self);
        const b = this.expr(ch[1], self);
        if (!sameClass(a.type, b.type, ['str', 'bool', 'int'])) unsupported('union of these types');
        const fa = a.fn;
        const fb = b.fn;
        return { fn: (s, env) => distinct([...fa(s, env), ...fb(s, env)]), type: unionType([a.type, b.type]) };
      }
      default:
        return unsupported(node.type);
    }
  }

  private term(node: AstNode | undefined, self: SType): Compiled<Expr> {
    const ch = node?.children ?? [];
    switch (node?.type) {
      case 'InvocationTerm': {
        const inv = this.invocation(ch[0], self, self);
        const f = inv.fn;
        return { fn: (s, env) => f(s, s, env), type: inv.type };
      }
      case 'ParenthesizedTerm':
        return this.expr(ch[0], self);
      case 'LiteralTerm':
        return this.literal(ch[0]);
      case 'ExternalConstantTerm':
        return this.constant(identifier(ch[0]?.children?.[0]));
      default:
        return unsupported(String(node?.type));
    }
  }

  private literal(node: AstNode | undefined): Compiled<Expr> {
    const text = node?.text ?? '';
    switch (node?.type) {
      case 'StringLiteral': {
        const c: Coll = Object.freeze([stringLiteral(text)]);
        return { fn: () => c, type: { cls: 'str' } };
      }
      case 'NumberLiteral': {
        if (!/^\d+$/.test(text)) unsupported('decimal literal');
        const c: Coll = Object.freeze([Number(text)]);
        return { fn: () => c, type: INT };
      }
      case 'BooleanLiteral': {
        const c = text === 'true' ? TRUE : FALSE;
        return { fn: () => c, type: BOOL };
      }
      default:
        return unsupported(String(node?.type));
    }
  }

  private constant(name: string): Compiled<Expr> {
    switch (name) {
      case 'resource':
        return { fn: (_s, env) => (env.resource == null ? EMPTY : [env.resource]), type: { cls: 'obj', name: this.resourceType } };
      case 'rootResource':
        return { fn: (_s, env) => (env.rootResource == null ? EMPTY : [env.rootResource]), type: { cls: 'obj', name: 'Resource' } };
      case 'ucum': {
        const c: Coll = Object.freeze(['http://unitsofmeasure.org']);
        return { fn: () => c, type: { cls: 'str' } };
      }
      default:
        return unsupported(`%${name}`);
    }
  }

  private invocation(node: AstNode | undefined, input: SType, self: SType): Compiled<Invoke> {
    switch (node?.type) {
      case 'MemberInvocation':
        return this.member(identifier(node.children?.[0]), input, self, !!node.atRoot);
      case 'FunctionInvocation': {
        const functn = node.children?.[0];
        const name = identifier(functn?.children?.[0]);
        const params = functn?.children?.[1]?.children ?? [];
        return compileFunction(this, name, params, input, self);
      }
      case 'ThisInvocation':
        return { fn: (_i, s) => s, type: self };
      default:
        return unsupported(String(node?.type));
    }
  }

  private member(name: string, input: SType, self: SType, atRoot: boolean): Compiled<Invoke> {
    // fhirpath.js treats a leading type name (`Observation.code`, `code` on a code value) as a type filter. Only
    // the resource's own type at the root is compiled (app-4: `Appointment.status`).
    if (atRoot && name === input.name && input.name === self.name && isResourceType(name)) {
      return { fn: (i) => i.filter((v) => (v as { resourceType?: unknown }).resourceType === name), type: input };
    }
    if (/^[A-Z]/.test(name) || (atRoot && self.cls !== 'obj')) unsupported(`type-like member ${name}`);
    // A member of a primitive value is empty (ras-1 is evaluated on probabilityDecimal as well as on a Range).
    if (input.name && isPrimitiveCode(input.name)) return { fn: () => EMPTY, type: { cls: 'mixed' } };
    if (input.cls !== 'obj' || !input.name) unsupported(`member ${name} of ${input.cls}`);
    if (input.name === 'Resource') {
      const type = anyResourceMemberType(name);
      const byType = new Map<string, MemberPlan | null>();
      const plan = (obj: Record<string, unknown>): MemberPlan | null => {
        const rt = obj.resourceType;
        if (typeof rt !== 'string' || !isResourceType(rt)) throw BAIL;
        let p = byType.get(rt);
        if (p === undefined) byType.set(rt, (p = memberPlan(rt, name)));
        if (!p && obj[name] !== undefined) throw BAIL; // fhirpath.js would read the undefined member anyway
        return p;
      };
      return { fn: (i, _s, env) => readMember(i, plan, env), type };
    }
    const p = memberPlan(input.name, name) ?? unsupported(`${input.name}.${name}`);
    const plan = (): MemberPlan => p;
    return { fn: (i, _s, env) => readMember(i, plan, env), type: p.type };
  }

  param(params: AstNode[], index: number, self: SType): Compiled<Expr> {
    const node = params[index] ?? unsupported('missing parameter');
    return this.expr(node, self);
  }

  private equality(op: string, a: Compiled<Expr>, b: Compiled<Expr>): Compiled<Expr> {
    if (op !== '=' && op !== '!=') unsupported(`operator ${op}`);
    if (!sameClass(a.type, b.type, ['str', 'bool', 'int'])) unsupported(`${a.type.cls} ${op} ${b.type.cls}`);
    const fa = a.fn;
    const fb = b.fn;
    if (op === '=') return { fn: (s, env) => equalColls(fa(s, env), fb(s, env)), type: BOOL };
    return {
      fn: (s, env) => {
        const r = equalColls(fa(s, env), fb(s, env));
        return r === EMPTY ? EMPTY : r === TRUE ? FALSE : TRUE;
      },
      type: BOOL,
    };
  }

  private inequality(op: string, a: Compiled<Expr>, b: Compiled<Expr>): Compiled<Expr> {
    const numeric = (t: SType): boolean => t.cls === 'int' || t.cls === 'dec';
    const dates = a.type.cls === 'date' && b.type.cls === 'date';
    if (!dates && (!numeric(a.type) || !numeric(b.type))) unsupported(`${a.type.cls} ${op} ${b.type.cls}`);
    const test = op === '<' ? (d: number) => d < 0 : op === '>' ? (d: number) => d > 0
      : op === '<=' ? (d: number) => d <= 0 : op === '>=' ? (d: number) => d >= 0 : unsupported(op);
    const compare = dates ? compareDates : (x: unknown, y: unknown) => (x as number) - (y as number);
    const fa = a.fn;
    const fb = b.fn;
    return {
      fn: (s, env) => {
        const x = fa(s, env);
        const y = fb(s, env);
        if (x.length === 0 || y.length === 0) return EMPTY;
        if (x.length > 1 || y.length > 1) throw BAIL;
        return bool(test(compare(x[0], y[0])));
      },
      type: BOOL,
    };
  }

  /** `&` (string concatenation, empty as '', as in bdl-7) and `+` on integers (counts, as in cpb-2). */
  private additive(op: string, a: Compiled<Expr>, b: Compiled<Expr>): Compiled<Expr> {
    const fa = a.fn;
    const fb = b.fn;
    const one = (c: Coll): unknown => {
      if (c.length > 1) throw BAIL;
      return c[0];
    };
    if (op === '&') {
      const text = (t: SType): boolean => t.cls === 'str' || t.cls === 'date';
      if (!text(a.type) || !text(b.type)) unsupported(`${a.type.cls} & ${b.type.cls}`);
      return { fn: (s, env) => [((one(fa(s, env)) as string) ?? '') + ((one(fb(s, env)) as string) ?? '')], type: { cls: 'str' } };
    }
    if (op !== '+' || a.type.cls !== 'int' || b.type.cls !== 'int') unsupported(`${a.type.cls} ${op} ${b.type.cls}`);
    return {
      fn: (s, env) => {
        const x = one(fa(s, env));
        const y = one(fb(s, env));
        return x === undefined || y === undefined ? EMPTY : [(x as number) + (y as number)];
      },
      type: INT,
    };
  }

  private membership(op: string, a: Compiled<Expr>, b: Compiled<Expr>): Compiled<Expr> {
    if (!sameClass(a.type, b.type, ['str', 'bool', 'int'])) unsupported(`${a.type.cls} ${op} ${b.type.cls}`);
    // `x in coll` and `coll contains x` are the same test with the operands swapped.
    const [one, many] = op === 'in' ? [a.fn, b.fn] : op === 'contains' ? [b.fn, a.fn] : unsupported(op);
    return {
      fn: (s, env) => {
        const x = one(s, env);
        const coll = many(s, env);
        if (x.length === 0) return EMPTY;
        if (coll.length === 0) return FALSE;
        if (x.length > 1) throw BAIL;
        return bool(coll.includes(x[0]));
      },
      type: BOOL,
    };
  }

  private logic(op: string, a: Expr, b: Expr): Compiled<Expr> {
    // Both operands are always evaluated, as fhirpath.js does (an error on either side is an error).
    const combine = op === 'and' ? and3 : op === 'or' ? or3 : op === 'xor' ? xor3 : op === 'implies' ? implies3 : unsupported(op);
    return { fn: (s, env) => bool(combine(bool3(a(s, env)), bool3(b(s, env)))), type: BOOL };
  }
}

