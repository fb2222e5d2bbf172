import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import { HL7_SD, canonicalUrl, capitalize, fhirType, maxOf } from './snapshot-ids.js';

/*
 * Applying one differential element to its snapshot element: the rules of constraint
 * (http://hl7.org/fhir/R4/profiling.html#constraining). A profile may only narrow what its base allows:
 * cardinality, types and reference targets, fixed/pattern values, binding strength; it may add
 * invariants, mustSupport and documentation.
 */

/** Finds a StructureDefinition by canonical URL (without version); undefined when unknown. */
export type SnapshotResolver = (url: string) => StructureDefinition | undefined;

/** A differential element that cannot be applied; the message says why. */
export class SnapshotProblem extends Error {}

export interface ConstrainContext {
  /** The profile's url: the `source` of the invariants it adds. */
  readonly profileUrl: string;
  readonly resolve: SnapshotResolver;
  /** The element is the root (`Patient`): it cannot be sliced. */
  readonly isRoot: boolean;
}

type Json = Record<string, unknown>;

const STRENGTH: Record<string, number> = { example: 1, preferred: 2, extensible: 3, required: 4 };
const BINDABLE = new Set(['code', 'Coding', 'CodeableConcept', 'Quantity', 'string', 'uri']);
/** Documentation and simple settings a profile may restate. */
const REPLACED = [
  'short',
  'definition',
  'comment',
  'requirements',
  'label',
  'meaningWhenMissing',
  'orderMeaning',
  'isModifierReason',
  'representation',
  'sliceIsConstraining',
] as const;
/** Lists a profile extends. */
const APPENDED = ['alias', 'condition', 'code', 'example', 'mapping', 'extension'] as const;

function problem(message: string): never {
  throw new SnapshotProblem(message);
}

/** Apply `diff` to `target` (a private copy, changed in place). Throws SnapshotProblem. */
export function constrain(target: ElementDefinition, diff: ElementDefinition, ctx: ConstrainContext): void {
  cardinality(target, diff);
  if (diff.type?.length) target.type = narrowTypes(target.type ?? [], diff.type, ctx);
  valueConstraint(target, diff, 'fixed');
  valueConstraint(target, diff, 'pattern');
  binding(target, diff);
  invariants(target, diff, ctx);
  slicing(target, diff, ctx);
  flags(target, diff);
  documentation(target, diff);
}

function cardinality(target: ElementDefinition, diff: ElementDefinition): void {
  if (diff.min !== undefined) {
    if (!Number.isInteger(diff.min) || diff.min < 0) problem(`min ${diff.min} is not a non-negative integer`);
    if (diff.min < (target.min ?? 0)) {
      problem(`min ${diff.min} is below the base minimum ${target.min}: a profile can only narrow cardinality`);
    }
    target.min = diff.min;
  }
  if (diff.max !== undefined) {
    if (diff.max !== '*' && !/^[0-9]+$/.test(diff.max)) problem(`max "${diff.max}" is neither a number nor "*"`);
    if (maxOf(diff.max) > maxOf(target.max)) {
      problem(`max ${diff.max} is above the base maximum ${target.max}: a profile can only narrow cardinality`);
    }
    target.max = diff.max;
  }
  if ((target.min ?? 0) > maxOf(target.max)) problem(`min ${target.min} is greater than max ${target.max}`);
}

function narrowTypes(base: ElementDefinitionType[], diffTypes: ElementDefinitionType[], ctx: ConstrainContext): ElementDefinitionType[] {
  const codes = diffTypes.map((t) => t.code);
  if (new Set(codes).size !== codes.length) problem(`types must be unique by code (${codes.join(', ')})`);
  return diffTypes.map((dt) => {
    if (!dt.code) problem('a type needs a code');
    const bt = base.find((b) => b.code === dt.code || fhirType(b) === dt.code);
    if (!bt) {
      problem(`type ${dt.code} is not allowed here; the base allows ${base.map((b) => b.code).join(', ') || 'no type'}`);
    }
    const out: ElementDefinitionType = structuredClone(bt);
    if (dt.profile?.length) out.profile = dt.profile.map((p) => checkProfile(p, dt.code, bt.profile, ctx.resolve));
    if (dt.targetProfile?.length) {
      out.targetProfile = dt.targetProfile.map((tp) => checkTarget(tp, bt.targetProfile, ctx.resolve));
    }
    if (dt.aggregation) {
      if (bt.aggregation && !dt.aggregation.every((a) => bt.aggregation!.includes(a))) {
        problem(`aggregation ${dt.aggregation.join(', ')} is wider than the base's ${bt.aggregation.join(', ')}`);
      }
      out.aggregation = dt.aggregation;
    }
    if (dt.versioning) {
      if (bt.versioning && bt.versioning !== 'either' && bt.versioning !== dt.versioning) {
        problem(`versioning ${dt.versioning} contradicts the base's ${bt.versioning}`);
      }
      out.versioning = dt.versioning;
    }
    if (dt.extension) out.extension = structuredClone(dt.extension);
    return out;
  });
}

function checkProfile(profile: string, code: string, baseProfiles: string[] | undefined, resolve: SnapshotResolver): string {
  const sd = resolve(canonicalUrl(profile));
  if (!sd) problem(`cannot check profile ${profile}: no StructureDefinition with that url is known`);
  if (sd.type !== code) problem(`profile ${profile} constrains ${sd.type}, not ${code}`);
  if (baseProfiles?.length && !baseProfiles.some((b) => derivesFrom(sd, canonicalUrl(b), resolve))) {
    problem(`profile ${profile} does not derive from the base's profile ${baseProfiles.join(' | ')}`);
  }
  return profile;
}

function checkTarget(target: string, baseTargets: string[] | undefined, resolve: SnapshotResolver): string {
  if (!baseTargets?.length) return target; // the base allows any target
  const url = canonicalUrl(target);
  const bases = baseTargets.map(canonicalUrl);
  if (bases.includes(url) || bases.includes(`${HL7_SD}Resource`)) return target;
  const sd = resolve(url);
  if (!sd) problem(`cannot check targetProfile ${target}: no StructureDefinition with that url is known`);
  if (!bases.some((b) => derivesFrom(sd, b, resolve))) {
    problem(`targetProfile ${target} is not one of the base's targets (${bases.join(' | ')}) nor derived from one`);
  }
  return target;
}

/** Whether `sd` is the StructureDefinition `url` or derives from it through its baseDefinition chain. */
export function derivesFrom(sd: StructureDefinition, url: string, resolve: SnapshotResolver): boolean {
  let current: StructureDefinition | undefined = sd;
  for (let depth = 0; current && depth < 20; depth++) {
    if (current.url && canonicalUrl(current.url) === url) return true;
    if (!current.baseDefinition) return false;
    current = resolve(canonicalUrl(current.baseDefinition));
  }
  return false;
}

/** `fixedUri`, `patternCodeableConcept`, ... (the `[x]` keys of one kind). */
function valueKeys(element: ElementDefinition, kind: string): string[] {
  return Object.keys(element).filter((k) => k.length > kind.length && k.startsWith(kind) && /[A-Z]/.test(k[kind.length]));
}

function valueConstraint(target: ElementDefinition, diff: ElementDefinition, kind: 'fixed' | 'pattern'): void {
  const keys = valueKeys(diff, kind);
  if (keys.length === 0) return;
  if (keys.length > 1) problem(`more than one ${kind}[x] value (${keys.join(', ')})`);
  const key = keys[0];
  const suffix = key.slice(kind.length);
  const types = target.type ?? [];
  const type = types.find((t) => capitalize(fhirType(t)) === suffix);
  if (!type) problem(`${key} does not match the element's type ${types.map(fhirType).join(' | ')}`);
  if (types.length > 1) target.type = [type]; // a fixed or pattern value chooses the type
  const t = target as unknown as Json;
  const value = (diff as unknown as Json)[key];
  const [existing] = valueKeys(target, kind);
  if (existing) {
    const consistent = existing === key && (kind === 'fixed' ? deepEqual(value, t[existing]) : deepIncludes(value, t[existing]));
    if (!consistent) problem(`${key} contradicts the base's ${existing}`);
    delete t[existing];
  }
  const [other] = valueKeys(target, kind === 'fixed' ? 'pattern' : 'fixed');
  if (other) {
    // A fixed value may replace a pattern it satisfies; a pattern cannot loosen a fixed value.
    if (kind === 'pattern' || !deepIncludes(value, t[other])) problem(`${key} contradicts the base's ${other}`);
    delete t[other];
  }
  t[key] = structuredClone(value);
}

function binding(target: ElementDefinition, diff: ElementDefinition): void {
  if (!diff.binding) return;
  const codes = (target.type ?? []).map(fhirType);
  if (!codes.some((c) => BINDABLE.has(c))) problem(`an element of type ${codes.join(' | ')} cannot have a binding`);
  if (!diff.binding.strength && !target.binding?.strength) problem('a binding needs a strength');
  const base = target.binding;
  if (base?.strength && diff.binding.strength && STRENGTH[diff.binding.strength] < STRENGTH[base.strength]) {
    problem(`binding strength ${diff.binding.strength} is weaker than the base's ${base.strength}`);
  }
  target.binding = { ...base, ...structuredClone(diff.binding) } as ElementDefinition['binding'];
}

function invariants(target: ElementDefinition, diff: ElementDefinition, ctx: ConstrainContext): void {
  for (const c of diff.constraint ?? []) {
    if (!c.key || !c.severity || !c.human) problem('a constraint needs key, severity and human');
    if (target.constraint?.some((existing) => existing.key === c.key)) {
      problem(`constraint key ${c.key} is already used on this element`);
    }
    (target.constraint ??= []).push({ ...structuredClone(c), source: c.source ?? ctx.profileUrl });
  }
}

function slicing(target: ElementDefinition, diff: ElementDefinition, ctx: ConstrainContext): void {
  const wanted = diff.slicing;
  if (!wanted) return;
  if (ctx.isRoot) problem('the root element cannot be sliced');
  const base = target.slicing;
  if (base) {
    if (wanted.discriminator && JSON.stringify(wanted.discriminator) !== JSON.stringify(base.discriminator)) {
      problem('the slicing discriminators differ from the base slicing');
    }
    if (base.rules === 'closed' && wanted.rules && wanted.rules !== 'closed') problem('closed slicing cannot be opened');
    if (base.ordered && wanted.ordered === false) problem('ordered slicing cannot become unordered');
  } else if (!wanted.rules) {
    problem('slicing needs rules (open, closed or openAtEnd)');
  }
  target.slicing = { ...base, ...structuredClone(wanted) } as ElementDefinition['slicing'];
}

function flags(target: ElementDefinition, diff: ElementDefinition): void {
  if (diff.mustSupport !== undefined) {
    if (target.mustSupport && !diff.mustSupport) problem('mustSupport cannot be withdrawn');
    target.mustSupport = diff.mustSupport;
  }
  if (diff.isModifier !== undefined && diff.isModifier !== (target.isModifier ?? false)) {
    problem('isModifier cannot be changed by a constraint');
  }
  if (diff.isSummary !== undefined && diff.isSummary !== (target.isSummary ?? false)) {
    problem('isSummary cannot be changed by a constraint');
  }
  if (diff.contentReference !== undefined && diff.contentReference !== target.contentReference) {
    problem('contentReference cannot be changed by a constraint');
  }
  if (valueKeys(diff, 'defaultValue').length) problem('default values can only be given by specializations, not constraints');
}

function documentation(target: ElementDefinition, diff: ElementDefinition): void {
  const t = target as unknown as Json;
  const d = diff as unknown as Json;
  for (const key of REPLACED) if (d[key] !== undefined) t[key] = structuredClone(d[key]);
  if (diff.maxLength !== undefined) {
    if (target.maxLength !== undefined && diff.maxLength > target.maxLength) {
      problem(`maxLength ${diff.maxLength} is above the base's ${target.maxLength}`);
    }
    target.maxLength = diff.maxLength;
  }
  for (const kind of ['minValue', 'maxValue']) {
    const [key] = valueKeys(diff, kind);
    if (!key) continue;
    for (const old of valueKeys(target, kind)) delete t[old];
    t[key] = structuredClone(d[key]);
  }
  for (const key of APPENDED) {
    const added = d[key] as unknown[] | undefined;
    if (!added?.length) continue;
    const list = ((t[key] as unknown[] | undefined) ?? []).slice();
    for (const item of added) if (!list.some((existing) => deepEqual(existing, item))) list.push(structuredClone(item));
    t[key] = list;
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}

/** Whether `value` has everything `pattern` has (FHIR pattern semantics: arrays match by containment). */
export function deepIncludes(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => deepIncludes(v, p)));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return Object.entries(pattern).every(([k, p]) => deepIncludes((value as Json)[k], p));
  }
  return value === pattern;
}
