import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { FhirError, outcome } from '../fhir/errors.js';
import { SnapshotProblem, constrain, type SnapshotResolver } from './snapshot-constrain.js';
import {
  HL7_SD,
  canonicalUrl,
  capitalize,
  elementKey,
  lastSegment,
  maxOf,
  parentId,
  pathOfId,
  rebase,
  sliceOf,
} from './snapshot-ids.js';

export type { SnapshotResolver } from './snapshot-constrain.js';

/** How many bases without a snapshot may be generated on the way (also stops cycles). */
const MAX_DEPTH = 10;

/**
 * Generate the snapshot of a constraint StructureDefinition from its `differential` and the snapshot of
 * its `baseDefinition` (an R4 resource or data type, or another profile, found through `resolve`; a base
 * without a snapshot gets one generated first). Returns a copy of `sd` with `snapshot` set.
 *
 * Differential elements are found by id (`Patient.identifier:cpr.system`; derived from path and sliceName
 * when absent). Constraining inside a data type (`Patient.identifier.system`) expands the type's elements
 * into the snapshot; a slice copies the element it slices; an extension slice with a profile gets the
 * extension's elements and `url` fixed to the extension's URL. `valueCodeableConcept` style paths
 * restrict a choice element to that type.
 * @throws FhirError 422 listing every differential element that cannot be applied, and why.
 */
export function generateSnapshot(sd: StructureDefinition, resolve: SnapshotResolver): StructureDefinition {
  return new SnapshotBuilder(sd, resolve, 0, new Map()).build();
}

function problem(message: string): never {
  throw new SnapshotProblem(message);
}

class SnapshotBuilder {
  private elements: ElementDefinition[] = [];
  private readonly issues: OperationOutcomeIssue[] = [];

  constructor(
    private readonly sd: StructureDefinition,
    private readonly resolve: SnapshotResolver,
    private readonly depth: number,
    /** Snapshots found or generated during this run, by URL. */
    private readonly memo: Map<string, StructureDefinition>,
  ) {}

  build(): StructureDefinition {
    const sd = this.sd;
    const label = sd?.url ?? 'StructureDefinition';
    if (sd?.resourceType !== 'StructureDefinition') fail('Not a StructureDefinition', []);
    const diff = sd.differential?.element;
    if (!Array.isArray(diff) || diff.length === 0) {
      fail(`${label}: a differential with at least one element is needed`, ['StructureDefinition.differential']);
    }
    if (sd.derivation === 'specialization') {
      fail(`${label}: only constraints can be generated here, not specializations`, ['StructureDefinition.derivation']);
    }
    if (!sd.baseDefinition) fail(`${label}: a baseDefinition is needed`, ['StructureDefinition.baseDefinition']);
    let base: StructureDefinition | undefined;
    try {
      base = this.withSnapshot(canonicalUrl(sd.baseDefinition));
    } catch (err) {
      if (!(err instanceof SnapshotProblem)) throw err;
      fail(`${label}: ${err.message}`, ['StructureDefinition.baseDefinition']);
    }
    if (!base) fail(`${label}: the base ${sd.baseDefinition} is not known`, ['StructureDefinition.baseDefinition']);
    if (sd.type && sd.type !== base.type) {
      fail(`${label}: type ${sd.type} differs from the base's type ${base.type}`, ['StructureDefinition.type']);
    }

    this.elements = structuredClone(base.snapshot!.element!);
    for (const el of this.elements) el.id ??= el.path;
    const rootPath = this.elements[0].path;
    diff.forEach((d, i) => this.guard(`StructureDefinition.differential.element[${i}]`, d?.id ?? d?.path, () => this.apply(d, rootPath)));
    this.finishExtensionSlices();
    this.reconcileSliceCardinality();
    if (this.issues.length) throw new FhirError(422, { resourceType: 'OperationOutcome', issue: this.issues });

    const { snapshot: _previous, ...rest } = sd;
    return {
      ...rest,
      fhirVersion: sd.fhirVersion ?? base.fhirVersion ?? '4.0.1',
      kind: sd.kind ?? base.kind,
      abstract: sd.abstract ?? false,
      type: base.type,
      derivation: 'constraint',
      snapshot: { element: this.elements },
    };
  }

  /** Run one step; a SnapshotProblem becomes an issue and the run goes on with the next step. */
  private guard(expression: string, what: string | undefined, step: () => void): void {
    try {
      step();
    } catch (err) {
      if (!(err instanceof SnapshotProblem)) throw err;
      const diagnostics = what ? `${what}: ${err.message}` : err.message;
      this.issues.push({ severity: 'error', code: 'processing', diagnostics, expression: [expression] });
    }
  }

  private apply(d: ElementDefinition, rootPath: string): void {
    if (typeof d?.path !== 'string' || !d.path) problem('the element has no path');
    const key = elementKey(d);
    if (pathOfId(key) !== d.path) problem(`the id does not match the path ${d.path}`);
    if (d.path.split('.')[0] !== rootPath) problem(`paths must start with ${rootPath}`);
    const slice = sliceOf(key);
    if (d.sliceName !== undefined && d.sliceName !== slice?.sliceName) problem(`sliceName ${d.sliceName} does not match the id`);
    let index: number;
    if (slice) {
      if (slice.sliceName.includes('/')) problem('re-slicing (slice/reslice) is not supported');
      const sliced = this.ensure(slice.slicedId);
      index = this.indexOf(`${sliced.id}:${slice.sliceName}`);
      if (index < 0) index = this.createSlice(sliced.index, slice.sliceName);
    } else {
      index = this.ensure(key).index;
    }
    constrain(this.elements[index], d, { profileUrl: this.sd.url ?? '', resolve: this.resolve, isRoot: index === 0 });
  }

  /** The index of the element `id` in the snapshot, expanding data types on the way. */
  private ensure(id: string): { index: number; id: string } {
    let index = this.indexOf(id);
    if (index >= 0) return { index, id };
    const slice = sliceOf(id);
    if (slice) {
      const sliced = this.ensure(slice.slicedId);
      const sliceId = `${sliced.id}:${slice.sliceName}`;
      index = this.indexOf(sliceId);
      if (index < 0) problem(`the slice ${sliceId} is not defined; define it before constraining inside it`);
      return { index, id: sliceId };
    }
    const parent = parentId(id);
    if (parent === undefined) problem(`${id} is not the root of this structure`);
    const p = this.ensure(parent);
    const childId = `${p.id}.${lastSegment(id)}`;
    if (!this.hasChildren(p.index)) this.elements.splice(p.index + 1, 0, ...this.childrenFor(this.elements[p.index]));
    index = this.indexOf(childId);
    if (index >= 0) return { index, id: childId };
    return this.choiceFor(p.id, lastSegment(id)) ?? problem(`${pathOfId(childId)} is not an element of ${pathOfId(p.id)}`);
  }

  /** `valueCodeableConcept` under `parent`: the choice element `value[x]`, restricted to CodeableConcept. */
  private choiceFor(parent: string, name: string): { index: number; id: string } | undefined {
    for (let i = 0; i < this.elements.length; i++) {
      const el = this.elements[i];
      if (parentId(el.id!) !== parent || !el.id!.endsWith('[x]')) continue;
      const stem = lastSegment(el.id!).slice(0, -3);
      if (!name.startsWith(stem)) continue;
      const type = el.type?.find((t) => capitalize(t.code) === name.slice(stem.length));
      if (!type) continue;
      el.type = [type];
      return { index: i, id: el.id! };
    }
    return undefined;
  }

  /** The elements under `parent` when the snapshot does not list them yet. */
  private childrenFor(parent: ElementDefinition): ElementDefinition[] {
    const to = { id: parent.id!, path: parent.path };
    const types = parent.type ?? [];
    const profile = types.length === 1 && types[0].profile?.length === 1 ? types[0].profile[0] : undefined;
    if (profile && types[0].code === 'Extension') return this.extensionChildren(canonicalUrl(profile), to);
    // A type with one known profile: that profile's structure.
    const profiled = profile ? this.withSnapshot(canonicalUrl(profile)) : undefined;
    if (profiled) return fromStructure(profiled, to);
    // A slice: the children of the element it slices, with the constraints made on them.
    const slice = sliceOf(parent.id!);
    const unsliced = slice ? this.indexOf(slice.slicedId) : -1;
    if (slice && unsliced >= 0 && this.hasChildren(unsliced)) {
      return rebase(this.descendants(unsliced), { id: slice.slicedId, path: parent.path }, to);
    }
    // A content reference (#Questionnaire.item): the children of the element referred to.
    if (parent.contentReference) {
      const refId = parent.contentReference.slice(parent.contentReference.indexOf('#') + 1);
      const ref = this.indexOf(refId);
      if (ref < 0 || !this.hasChildren(ref)) problem(`the content reference ${parent.contentReference} cannot be followed`);
      parent.type = structuredClone(this.elements[ref].type);
      delete parent.contentReference;
      return rebase(this.descendants(ref), { id: refId, path: this.elements[ref].path }, to);
    }
    if (types.length !== 1) {
      problem(`${parent.id} has ${types.length} types; restrict it to one type before constraining inside it`);
    }
    const code = types[0].code;
    if (code === 'BackboneElement' || code === 'Element') problem(`${parent.id} has no elements to constrain`);
    const typeDefinition = this.withSnapshot(HL7_SD + code);
    if (!typeDefinition) problem(`the data type ${code} is not known`);
    return fromStructure(typeDefinition, to);
  }

  /**
   * The elements of an extension with a profile: Extension's own, with the profile's value type and
   * sub-extension cardinality. The profile's inner slices are not copied: @medplum/core 4.5 reads any
   * sliceName as a slice of the outermost slicing, so nested slices would break validation.
   */
  private extensionChildren(profile: string, to: { id: string; path: string }): ElementDefinition[] {
    const children = fromStructure(this.withSnapshot(`${HL7_SD}Extension`) ?? problem('Extension is not known'), to);
    const definition = this.withSnapshot(profile);
    for (const name of ['extension', 'value[x]']) {
      const source = definition?.snapshot?.element?.find((e) => e.id === `Extension.${name}`);
      const target = children.find((c) => c.id === `${to.id}.${name}`);
      if (!source || !target) continue;
      target.min = source.min;
      target.max = source.max;
      if (source.type) target.type = structuredClone(source.type);
      if (source.binding) target.binding = structuredClone(source.binding);
      else delete target.binding;
    }
    return children;
  }

  private createSlice(slicedIndex: number, name: string): number {
    const sliced = this.elements[slicedIndex];
    if (!sliced.slicing) {
      // Extensions are always sliced by url (R4 profiling rules), without saying so.
      if (!isExtensionElement(sliced)) problem(`${sliced.id} is not sliced; give it a slicing before defining slices`);
      sliced.slicing = { discriminator: [{ type: 'value', path: 'url' }], ordered: false, rules: 'open' };
    }
    const slice = structuredClone(sliced);
    delete slice.slicing;
    slice.id = `${sliced.id}:${name}`;
    slice.sliceName = name;
    slice.min = 0;
    const at = this.endOfBlock(slicedIndex) + 1;
    this.elements.splice(at, 0, slice);
    return at;
  }

  /** Extension slices with a profile get its elements and `url` fixed to it, so they can be told apart. */
  private finishExtensionSlices(): void {
    for (let i = 0; i < this.elements.length; i++) {
      const el = this.elements[i];
      const profile = el.sliceName && el.type?.length === 1 && el.type[0].code === 'Extension' ? el.type[0].profile?.[0] : undefined;
      if (!profile) continue;
      this.guard('StructureDefinition.differential', el.id, () => {
        if (!this.hasChildren(i)) this.elements.splice(i + 1, 0, ...this.childrenFor(el));
        const url = this.elements[this.indexOf(`${el.id}.url`)];
        if (!url) problem('the extension has no url element');
        if (url.fixedUri === undefined) url.fixedUri = canonicalUrl(profile);
        else if (url.fixedUri !== canonicalUrl(profile)) problem(`url is fixed to ${url.fixedUri}, not the profile ${profile}`);
      });
    }
  }

  /**
   * The slices' minimum cardinalities must fit in the sliced element's maximum, and raise its minimum
   * (a required slice makes the element required, so that its absence is reported too).
   */
  private reconcileSliceCardinality(): void {
    for (const el of this.elements) {
      if (!el.slicing) continue;
      const prefix = `${el.id}:`;
      const slices = this.elements.filter((s) => s.id!.startsWith(prefix) && !s.id!.slice(prefix.length).includes('.'));
      const total = slices.reduce((sum, s) => sum + (s.min ?? 0), 0);
      if (total > maxOf(el.max)) {
        this.guard('StructureDefinition.differential', el.id, () =>
          problem(`the slices need at least ${total} values but the element allows at most ${el.max}`),
        );
      } else if (total > (el.min ?? 0)) {
        el.min = total;
      }
    }
  }

  private withSnapshot(url: string): StructureDefinition | undefined {
    const known = this.memo.get(url);
    if (known) return known;
    const sd = this.resolve(url);
    if (!sd) return undefined;
    if (sd.snapshot?.element?.length) {
      this.memo.set(url, sd);
      return sd;
    }
    if (this.depth >= MAX_DEPTH) problem(`${url} has no snapshot, and its bases are nested too deep (or circular)`);
    try {
      const generated = new SnapshotBuilder(sd, this.resolve, this.depth + 1, this.memo).build();
      this.memo.set(url, generated);
      return generated;
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      const why = err.outcome.issue?.map((i) => i.diagnostics).join('; ');
      problem(`${url} has no snapshot and none could be generated: ${why}`);
    }
  }

  private indexOf(id: string): number {
    return this.elements.findIndex((el) => el.id === id);
  }

  private hasChildren(index: number): boolean {
    return this.elements[index + 1]?.id?.startsWith(`${this.elements[index].id}.`) ?? false;
  }

  /** The last index of the element's block: its children, its slices and theirs. */
  private endOfBlock(index: number): number {
    const id = this.elements[index].id!;
    let end = index;
    while (end + 1 < this.elements.length) {
      const next = this.elements[end + 1].id!;
      if (!next.startsWith(`${id}.`) && !next.startsWith(`${id}:`)) break;
      end++;
    }
    return end;
  }

  private descendants(index: number): ElementDefinition[] {
    const prefix = `${this.elements[index].id}.`;
    const out: ElementDefinition[] = [];
    for (let i = index + 1; i < this.elements.length && this.elements[i].id!.startsWith(prefix); i++) out.push(this.elements[i]);
    return out;
  }
}

function fromStructure(sd: StructureDefinition, to: { id: string; path: string }): ElementDefinition[] {
  const [root, ...children] = sd.snapshot!.element!;
  return rebase(children, { id: root.id ?? root.path, path: root.path }, to);
}

function isExtensionElement(el: ElementDefinition): boolean {
  const name = lastSegment(el.path);
  return (name === 'extension' || name === 'modifierExtension') && el.type?.length === 1 && el.type[0].code === 'Extension';
}

function fail(message: string, expression: string[]): never {
  throw new FhirError(422, outcome('error', 'processing', message, expression));
}
