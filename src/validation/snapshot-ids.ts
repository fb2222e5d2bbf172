import type { ElementDefinition, ElementDefinitionType } from '@medplum/fhirtypes';

/*
 * Element ids and paths of a snapshot (http://hl7.org/fhir/R4/elementdefinition.html#id).
 * An id is the path with `:sliceName` after each sliced segment: `Patient.identifier:cpr.system` has the
 * path `Patient.identifier.system`. Element names and slice names contain neither `.` nor `:`.
 */

export const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';

/** The path of an element id: slice names removed. */
export function pathOfId(id: string): string {
  return id
    .split('.')
    .map((segment) => segment.split(':')[0])
    .join('.');
}

/** The id of the parent element, or undefined for the root. */
export function parentId(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  return dot === -1 ? undefined : id.slice(0, dot);
}

/** The last segment of an id (`identifier:cpr`). */
export function lastSegment(id: string): string {
  return id.slice(id.lastIndexOf('.') + 1);
}

/** When the id names a slice (its last segment has `:name`): the sliced element's id and the slice name. */
export function sliceOf(id: string): { slicedId: string; sliceName: string } | undefined {
  const segment = lastSegment(id);
  const colon = segment.indexOf(':');
  if (colon === -1) return undefined;
  return { slicedId: id.slice(0, id.length - segment.length + colon), sliceName: segment.slice(colon + 1) };
}

/** The id an element is known by: its own id, or one derived from path and sliceName. */
export function elementKey(element: ElementDefinition): string {
  if (element.id) return element.id;
  return element.sliceName ? `${element.path}:${element.sliceName}` : element.path;
}

/** `'*'` → Infinity; anything else as a number (NaN when malformed). */
export function maxOf(max: string | undefined): number {
  if (max === undefined) return Infinity;
  return max === '*' ? Infinity : Number(max);
}

const FHIR_TYPE = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** The FHIR type of a type entry: `uri` for `Extension.url`, whose code is `http://hl7.org/fhirpath/System.String`. */
export function fhirType(t: ElementDefinitionType): string {
  return t.extension?.find((e) => e.url === FHIR_TYPE)?.valueUrl ?? t.code;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Strip a `|version` suffix from a canonical URL. */
export function canonicalUrl(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}

/**
 * Re-root element definitions copied from another place: ids and paths starting with `fromId` /
 * `fromPath` get `toId` / `toPath` instead. Returns deep copies.
 */
export function rebase(
  elements: readonly ElementDefinition[],
  from: { id: string; path: string },
  to: { id: string; path: string },
): ElementDefinition[] {
  return elements.map((el) => {
    const copy = structuredClone(el);
    const id = copy.id ?? copy.path;
    copy.id = to.id + id.slice(from.id.length);
    copy.path = to.path + copy.path.slice(from.path.length);
    return copy;
  });
}
