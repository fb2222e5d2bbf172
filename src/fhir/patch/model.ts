/**
 * Element lookups in the FHIR R4 model that ships with fhirpath.js (`fhirpath/fhir-context/r4`):
 * cardinality (repeating or not), element type and choice-type alternatives. Used by FHIRPath Patch
 * to decide whether `add` appends to a list or sets a singleton, how to name a choice element
 * (`deceased` + `Boolean`) and which nested `part`s become arrays.
 */
import r4 from 'fhirpath/fhir-context/r4';

interface R4ModelData {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
  path2Type: Record<string, string | { code: string }>;
  path2Repeating: Record<string, boolean>;
}

/** The fhirpath.js R4 model, passed to `fhirpath.evaluate`. */
export const r4Model = r4;
const data = r4 as unknown as R4ModelData;

export interface ElementInfo {
  /** The element name as declared in the model (for a choice element: without the type suffix). */
  name: string;
  repeating: boolean;
  /** For choice elements (`value[x]`): the allowed type suffixes, e.g. ["Boolean", "DateTime"]. */
  choiceTypes?: string[];
  /** When the element name already carried a choice suffix (`deceasedBoolean`): that suffix. */
  suffix?: string;
  /**
   * The type of the element: a data type name (`HumanName`, `string`) or, for backbone elements,
   * the model path that defines its children (`Patient.contact`). Undefined for choice elements.
   */
  type?: string;
}

/** Whether the model knows anything about this type (or backbone element path). */
export function isKnownType(typePath: string): boolean {
  return typePath in data.type2Parent || typePath in data.path2Type || typePath in data.pathsDefinedElsewhere;
}

function parentOf(typePath: string): string | undefined {
  const parent = data.type2Parent[typePath];
  if (parent) return parent;
  if (typePath === 'BackboneElement') return 'Element';
  // Backbone elements (`Patient.contact`) are not in type2Parent; their inherited elements
  // (id, extension, modifierExtension) come from BackboneElement / Element.
  if (typePath.includes('.')) return 'BackboneElement';
  return undefined;
}

function lookupExact(typePath: string, name: string): ElementInfo | undefined {
  for (let t: string | undefined = typePath, guard = 0; t && guard < 10; t = parentOf(t), guard++) {
    const p = `${t}.${name}`;
    const choice = data.choiceTypePaths[p];
    if (choice) return { name, repeating: !!data.path2Repeating[p], choiceTypes: choice };
    const elsewhere = data.pathsDefinedElsewhere[p];
    if (elsewhere) {
      return { name, repeating: !!data.path2Repeating[p] || !!data.path2Repeating[elsewhere], type: elsewhere };
    }
    const ty = data.path2Type[p];
    if (ty !== undefined) {
      const code = typeof ty === 'string' ? ty : ty.code;
      return {
        name,
        repeating: !!data.path2Repeating[p],
        type: code === 'BackboneElement' || code === 'Element' ? p : code,
      };
    }
  }
  return undefined;
}

/**
 * Look up child element `name` of `typePath`. Also accepts a choice element spelled with its type
 * suffix (`deceasedBoolean`, `valueQuantity`), returning the base name and the suffix.
 */
export function elementInfo(typePath: string, name: string): ElementInfo | undefined {
  const exact = lookupExact(typePath, name);
  if (exact) return exact;
  for (let i = name.length - 1; i > 0; i--) {
    const c = name.charCodeAt(i);
    if (c < 65 || c > 90) continue; // split only before an upper-case letter
    const base = lookupExact(typePath, name.slice(0, i));
    const suffix = name.slice(i);
    if (base?.choiceTypes?.includes(suffix)) return { ...base, suffix };
  }
  return undefined;
}

/** FHIR primitive types are spelled in lower case (`string`, `dateTime`); `System.*` are FHIRPath types. */
export function isPrimitiveType(type: string): boolean {
  return /^[a-z]/.test(type) || type.startsWith('System.');
}

/** The type named by a choice suffix: `Boolean` -> `boolean`, `DateTime` -> `dateTime`, `Quantity` -> `Quantity`. */
export function typeFromSuffix(suffix: string): string {
  const primitive = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return primitive in data.type2Parent && isPrimitiveType(primitive) ? primitive : suffix;
}
