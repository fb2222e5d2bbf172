import type { CodeableConcept, Coding, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { stripVersion } from '../validation/terminology.js';
import { SYSTEM } from './model.js';

/*
 * Diagnosis codes as the programmes compare them. ICD-10 arrives in two systems that are one classification:
 * WHO (`E11.9`) and SKS (`DE119`, the Danish hospital coding). Codes are upper-cased, dots removed and SKS's
 * leading `D` dropped, so both meet in one "family". `is-a` means prefix: `DE119` and `E11.9` are both in
 * `E11`. ICPC-2 (general practice, `T90`) is normalised the same way. Other systems are compared exactly,
 * because a prefix says nothing about their hierarchy (SNOMED CT, LOINC, ...).
 */

/** A code in a comparable form: the classification it belongs to, and the normalised code. */
export interface NormalCode {
  family: string;
  code: string;
  /** True when prefixes mean hierarchy in this family (ICD-10, ICPC-2). */
  hierarchical: boolean;
}

const ICD10 = 'icd-10';
const ICPC2 = 'icpc-2';

/** Normalise a coded value for comparison; undefined for a coding without a code. */
export function normalise(system: string | undefined, code: string | undefined): NormalCode | undefined {
  if (!code) return undefined;
  const compact = code.trim().toUpperCase().replace(/\./g, '');
  if (system === SYSTEM.icd10) return { family: ICD10, code: compact, hierarchical: true };
  // SKS's diagnosis codes are ICD-10 with a `D` prefix; its other codes (procedures, ...) stay SKS.
  if (system === SYSTEM.sks) {
    return compact.startsWith('D') && compact.length > 1
      ? { family: ICD10, code: compact.slice(1), hierarchical: true }
      : { family: `sks`, code: compact, hierarchical: true };
  }
  if (system === SYSTEM.icpc2) return { family: ICPC2, code: compact, hierarchical: true };
  return { family: system ?? '', code: code.trim(), hierarchical: false };
}

/** `code` lies at or below `ancestor` (prefix for hierarchical families, equality otherwise). */
export function isA(code: NormalCode, ancestor: NormalCode): boolean {
  if (code.family !== ancestor.family) return false;
  return code.hierarchical ? code.code.startsWith(ancestor.code) : code.code === ancestor.code;
}

/** Same concept after normalisation (`DE119` = `E11.9`). */
export function sameCode(a: NormalCode, b: NormalCode): boolean {
  return a.family === b.family && a.code === b.code;
}

/** One include or exclude rule of a compose, compiled. */
type Rule = (c: NormalCode) => boolean;

/** Membership test of a value set, compiled once from its compose (or its expansion). */
export type ValueSetTest = (c: NormalCode) => boolean;

/** Thrown for value set content this matcher cannot evaluate (a programme content error, not the patient's). */
export class UnsupportedValueSet extends Error {}

/**
 * Value sets by canonical URL, compiled on first use. `memberOf` takes what FHIRPath's memberOf() accepts: a
 * Coding, a CodeableConcept (member when any coding is) or a bare code (compared in every family).
 */
export class Terminology {
  private readonly sets = new Map<string, ValueSet>();
  private readonly compiled = new Map<string, ValueSetTest>();

  constructor(valueSets: Iterable<ValueSet>) {
    for (const vs of valueSets) if (vs.url) this.sets.set(stripVersion(vs.url), vs);
  }

  /** Whether the value set is known and its content can be evaluated. */
  usable(url: string): boolean {
    try {
      this.test(url);
      return true;
    } catch (err) {
      if (err instanceof UnsupportedValueSet) return false;
      throw err;
    }
  }

  memberOf(url: string, value: unknown): boolean {
    return codingsOf(value).some((c) => this.contains(url, c));
  }

  /** Whether one coding is in the value set. */
  contains(url: string, coding: Coding): boolean {
    const test = this.test(url);
    if (coding.system !== undefined) {
      const n = normalise(coding.system, coding.code);
      return !!n && test(n);
    }
    // A bare code (FHIR `code` element): try it as each known classification writes it.
    return [SYSTEM.icd10, SYSTEM.sks, SYSTEM.icpc2, undefined].some((s) => {
      const n = normalise(s, coding.code);
      return !!n && test(n);
    });
  }

  private test(url: string, stack: string[] = []): ValueSetTest {
    const key = stripVersion(url);
    const done = this.compiled.get(key);
    if (done) return done;
    if (stack.includes(key)) throw new UnsupportedValueSet(`ValueSet ${key} includes itself`);
    const vs = this.sets.get(key);
    if (!vs) throw new UnsupportedValueSet(`ValueSet ${key} is not known`);
    const test = this.compile(vs, [...stack, key]);
    this.compiled.set(key, test);
    return test;
  }

  private compile(vs: ValueSet, stack: string[]): ValueSetTest {
    const includes = vs.compose?.include ?? [];
    if (includes.length === 0) {
      // No compose: an expansion is a plain list of codes.
      const listed = (vs.expansion?.contains ?? []).map((c) => normalise(c.system, c.code)).filter((n): n is NormalCode => !!n);
      return (c) => listed.some((l) => sameCode(c, l));
    }
    const inc = includes.map((i) => this.rule(i, vs.url!, stack));
    const exc = (vs.compose?.exclude ?? []).map((i) => this.rule(i, vs.url!, stack));
    return (c) => inc.some((r) => r(c)) && !exc.some((r) => r(c));
  }

  /** One include/exclude: system part (all codes, listed concepts, or filters) AND every imported value set. */
  private rule(inc: ValueSetComposeInclude, url: string, stack: string[]): Rule {
    const parts: Rule[] = [];
    if (inc.system) {
      const family = normalise(inc.system, 'X')!.family;
      if (inc.concept?.length) {
        const listed = inc.concept.map((c) => normalise(inc.system, c.code)).filter((n): n is NormalCode => !!n);
        parts.push((c) => listed.some((l) => sameCode(c, l)));
      } else if (inc.filter?.length) {
        const filters = inc.filter.map((f) => filterRule(inc.system!, f.property, f.op, f.value, url));
        parts.push((c) => filters.every((f) => f(c)));
      } else {
        parts.push((c) => c.family === family);
      }
    }
    // Imports are compiled now, so an unknown or circular one makes this value set unusable at once.
    for (const imported of inc.valueSet ?? []) parts.push(this.test(imported, stack));
    if (parts.length === 0) throw new UnsupportedValueSet(`ValueSet ${url} has an include with neither system nor valueSet`);
    return (c) => parts.every((p) => p(c));
  }
}

function filterRule(system: string, property: string | undefined, op: string | undefined, value: string | undefined, url: string): Rule {
  if (property !== 'concept' && property !== 'code')
    throw new UnsupportedValueSet(`ValueSet ${url}: filter on property "${property}" is not supported (only concept)`);
  const values = (op === 'in' || op === 'not-in' ? (value ?? '').split(',') : [value ?? ''])
    .map((v) => normalise(system, v))
    .filter((n): n is NormalCode => !!n);
  if (values.length === 0) throw new UnsupportedValueSet(`ValueSet ${url}: filter ${op} has no value`);
  const [v] = values;
  switch (op) {
    case 'is-a':
      return (c) => isA(c, v);
    case 'descendent-of':
      return (c) => isA(c, v) && !sameCode(c, v);
    case 'is-not-a':
      return (c) => c.family === v.family && !isA(c, v);
    case '=':
      return (c) => sameCode(c, v);
    case 'in':
      return (c) => values.some((x) => sameCode(c, x));
    case 'not-in':
      return (c) => c.family === v.family && !values.some((x) => sameCode(c, x));
    default:
      throw new UnsupportedValueSet(`ValueSet ${url}: filter op "${op}" is not supported`);
  }
}

/** The codings of a Coding, CodeableConcept or bare code string (FHIRPath hands over plain JSON). */
export function codingsOf(value: unknown): Coding[] {
  if (typeof value === 'string') return [{ code: value }];
  if (!value || typeof value !== 'object') return [];
  const v = value as CodeableConcept & Coding;
  if (Array.isArray(v.coding)) return v.coding;
  return typeof v.code === 'string' ? [v] : [];
}
