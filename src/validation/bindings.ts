import { isPrimitiveType, isResourceType, tryGetDataType } from '@medplum/core';
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ExpandedValueSet, TerminologyIndex } from './terminology.js';
import { stripVersion } from './terminology.js';

/*
 * Required terminology bindings.
 *
 * For each type (resource, backbone element, data type) we compile, once, a `TypeNode`: a dictionary from
 * JSON property name to what must be checked there — a required binding whose value set we could expand
 * (with the expanded code set attached), and/or the node of the property's own type to descend into.
 * Choice elements (`value[x]`) are compiled to one entry per JSON name (`valueCodeableConcept`, ...).
 * Validation then walks the resource JSON once, visiting only properties present in the data that can lead
 * to a binding. No FHIRPath is evaluated.
 */

type CodeKind = 'code' | 'Coding' | 'CodeableConcept';

interface BindingRule {
  readonly kind: CodeKind;
  readonly valueSet: string;
  readonly expansion: ExpandedValueSet;
}

/** Marker: the property holds a resource whose type is known only from its `resourceType`. */
const RESOURCE = 'resource' as const;

interface Prop {
  rule?: BindingRule;
  child?: TypeNode | typeof RESOURCE;
}

export interface TypeNode {
  readonly name: string;
  readonly props: Record<string, Prop>;
}

/** Where inner (backbone) types of a profile come from, and where its compiled nodes are memoized. */
interface CompileContext {
  readonly innerTypes: ReadonlyMap<string, InternalTypeSchema>;
  readonly memo: Map<string, TypeNode>;
}

const CODE_KINDS: ReadonlySet<string> = new Set(['code', 'Coding', 'CodeableConcept']);

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function emptyNode(name: string): TypeNode {
  return { name, props: Object.create(null) as Record<string, Prop> };
}

/**
 * Compiles and caches binding trees for base types and for profiles, against one terminology index.
 * Call `reset()` when the terminology or profiles change; trees are rebuilt lazily.
 */
export class BindingCompiler {
  private readonly terminology: TerminologyIndex;
  private baseContext: CompileContext = { innerTypes: new Map(), memo: new Map() };
  /** Bindings we saw but could not expand (value set URL -> count), for diagnostics. */
  readonly unexpandable = new Map<string, number>();

  constructor(terminology: TerminologyIndex) {
    this.terminology = terminology;
  }

  reset(): void {
    this.baseContext = { innerTypes: new Map(), memo: new Map() };
    this.unexpandable.clear();
  }

  /** The compiled node of a base type (resource or data type), or undefined for unknown/primitive types. */
  baseNode(typeName: string): TypeNode | undefined {
    return this.nodeFor(typeName, this.baseContext);
  }

  /** Compile the binding tree of a profile (a parsed, constraint StructureDefinition). Not memoized here. */
  compileProfile(schema: InternalTypeSchema): TypeNode {
    const innerTypes = new Map<string, InternalTypeSchema>();
    for (const inner of schema.innerTypes ?? []) innerTypes.set(inner.name, inner);
    const ctx: CompileContext = { innerTypes, memo: new Map() };
    const node = emptyNode(`${schema.type}@${schema.url ?? ''}`);
    this.fill(node, schema.elements, ctx);
    return node;
  }

  private nodeFor(typeName: string, ctx: CompileContext): TypeNode | undefined {
    if (isPrimitiveType(typeName)) return undefined;
    const inner = ctx.innerTypes.get(typeName);
    if (!inner) {
      // Not a profile-specific inner type: use the base node (memoized in the base context).
      if (ctx !== this.baseContext) return this.nodeFor(typeName, this.baseContext);
    }
    const existing = ctx.memo.get(typeName);
    if (existing) return existing;
    const schema = inner ?? tryGetDataType(typeName);
    if (!schema) return undefined;
    const node = emptyNode(typeName);
    ctx.memo.set(typeName, node); // before filling: types are recursive (Identifier -> Reference -> Identifier)
    this.fill(node, schema.elements, ctx);
    return node;
  }

  private fill(node: TypeNode, elements: Record<string, InternalSchemaElement>, ctx: CompileContext): void {
    // Profiles may constrain paths inside data types ("identifier.use"): group them under their first segment.
    const nested = new Map<string, Record<string, InternalSchemaElement>>();
    for (const [key, element] of Object.entries(elements)) {
      const dot = key.indexOf('.');
      if (dot !== -1) {
        const head = key.slice(0, dot);
        let group = nested.get(head);
        if (!group) nested.set(head, (group = {}));
        group[key.slice(dot + 1)] = element;
        continue;
      }
      this.addElement(node, key, element, ctx, undefined);
    }
    for (const [head, overrides] of nested) {
      const element = elements[head];
      if (element) this.addElement(node, head, element, ctx, overrides);
    }
  }

  private addElement(
    node: TypeNode,
    key: string,
    element: InternalSchemaElement,
    ctx: CompileContext,
    overrides: Record<string, InternalSchemaElement> | undefined,
  ): void {
    const isChoice = key.endsWith('[x]');
    const base = isChoice ? key.slice(0, -3) : key;
    const binding = element.binding;
    const required = binding?.strength === 'required' && !!binding.valueSet;

    for (const type of element.type ?? []) {
      const code = type.code;
      const jsonKey = isChoice ? base + capitalize(code) : key;
      const prop: Prop = {};

      if (CODE_KINDS.has(code)) {
        if (required) {
          const expansion = this.terminology.expand(binding.valueSet as string);
          if (expansion) {
            prop.rule = { kind: code as CodeKind, valueSet: stripVersion(binding.valueSet as string), expansion };
          } else {
            const url = stripVersion(binding.valueSet as string);
            this.unexpandable.set(url, (this.unexpandable.get(url) ?? 0) + 1);
          }
        }
        // Codes carry no further required bindings of their own.
      } else if (code === 'Resource' || (isResourceType(code) && !ctx.innerTypes.has(code))) {
        prop.child = RESOURCE;
      } else if (!isPrimitiveType(code)) {
        if (overrides) {
          const schema = ctx.innerTypes.get(code) ?? tryGetDataType(code);
          if (schema) {
            const child = emptyNode(`${code}*`);
            this.fill(child, { ...schema.elements, ...overrides }, ctx);
            prop.child = child;
          }
        } else {
          prop.child = this.nodeFor(code, ctx);
        }
      }

      if (prop.rule || prop.child) {
        node.props[jsonKey] = prop;
      }
    }
  }
}

/** Walks resource JSON against compiled binding trees, collecting `code-invalid` issues. */
export class BindingWalker {
  private readonly compiler: BindingCompiler;
  private readonly issues: OperationOutcomeIssue[];

  constructor(compiler: BindingCompiler, issues: OperationOutcomeIssue[]) {
    this.compiler = compiler;
    this.issues = issues;
  }

  walkResource(resource: Record<string, unknown>, node: TypeNode, path: string): void {
    this.walkObject(resource, node, path);
  }

  private walkObject(obj: Record<string, unknown>, node: TypeNode, path: string): void {
    const props = node.props;
    for (const key in obj) {
      const prop = props[key];
      if (prop === undefined) continue;
      const value = obj[key];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          this.visit(value[i], prop, `${path}.${key}[${i}]`);
        }
      } else if (value !== undefined && value !== null) {
        this.visit(value, prop, `${path}.${key}`);
      }
    }
  }

  private visit(value: unknown, prop: Prop, path: string): void {
    const rule = prop.rule;
    if (rule) {
      this.check(value, rule, path);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return; // core reports type errors
    const child = prop.child;
    if (child === RESOURCE) {
      const resourceType = (value as { resourceType?: unknown }).resourceType;
      if (typeof resourceType !== 'string') return;
      const node = this.compiler.baseNode(resourceType);
      if (node) this.walkObject(value as Record<string, unknown>, node, path);
    } else if (child) {
      this.walkObject(value as Record<string, unknown>, child, path);
    }
  }

  private check(value: unknown, rule: BindingRule, path: string): void {
    const vs = rule.expansion;
    switch (rule.kind) {
      case 'code':
        if (typeof value !== 'string') return; // wrong JSON type: core's issue
        if (!codeInAny(vs, value)) {
          this.report(path, `Value "${value}" is not in the required value set ${rule.valueSet}`);
        }
        return;
      case 'Coding':
        if (value === null || typeof value !== 'object') return;
        if (!codingIn(vs, value as CodingLike)) {
          this.report(path, `${describeCoding(value as CodingLike)} is not in the required value set ${rule.valueSet}`);
        }
        return;
      case 'CodeableConcept': {
        if (value === null || typeof value !== 'object') return;
        const coding = (value as { coding?: unknown }).coding;
        if (Array.isArray(coding)) {
          for (const c of coding) {
            if (c && typeof c === 'object' && codingIn(vs, c as CodingLike)) return;
          }
          const described = coding.map((c) => describeCoding((c ?? {}) as CodingLike)).join(', ');
          this.report(
            path,
            `None of the codings (${described || 'none'}) is in the required value set ${rule.valueSet}`,
          );
        } else {
          this.report(path, `A coding from the required value set ${rule.valueSet} is required (text alone is not enough)`);
        }
        return;
      }
    }
  }

  private report(path: string, message: string): void {
    this.issues.push({
      severity: 'error',
      code: 'code-invalid',
      details: { text: message },
      diagnostics: message,
      expression: [path],
    });
  }
}

interface CodingLike {
  system?: unknown;
  code?: unknown;
}

function describeCoding(c: CodingLike): string {
  const system = typeof c.system === 'string' ? c.system : '';
  const code = typeof c.code === 'string' ? c.code : '';
  return system ? `${system}#${code}` : `"${code}"`;
}

function codeInAny(vs: ExpandedValueSet, code: string): boolean {
  return vs.anySystem.has(code) || (vs.lowerAny.size > 0 && vs.lowerAny.has(code.toLowerCase()));
}

function codingIn(vs: ExpandedValueSet, c: CodingLike): boolean {
  const code = c.code;
  if (typeof code !== 'string') return false;
  if (typeof c.system !== 'string') {
    // R4 allows a Coding without a system; the code alone is then the best we can check.
    return codeInAny(vs, code);
  }
  const system = stripVersion(c.system);
  const codes = vs.bySystem.get(system);
  if (codes?.has(code)) return true;
  const lower = vs.lowerBySystem.get(system);
  return !!lower && lower.has(code.toLowerCase());
}
