/** Shared shapes and constants of the FHIRPath Patch implementation (see fhirpath-patch.ts). */
import { elementInfo, type ElementInfo, isKnownType, isPrimitiveType, r4Model, typeFromSuffix } from './model.js';

export const KIND = 'FHIRPath Patch';
export const OP_TYPES = ['add', 'insert', 'delete', 'replace', 'move'] as const;
export type OpType = (typeof OP_TYPES)[number];
export const PART_NAMES = ['type', 'path', 'name', 'value', 'index', 'source', 'destination'] as const;
export type PartName = (typeof PART_NAMES)[number];
export const REQUIRED: Record<OpType, PartName[]> = {
  add: ['path', 'name', 'value'],
  insert: ['path', 'value', 'index'],
  delete: ['path'],
  replace: ['path', 'value'],
  move: ['path', 'source', 'destination'],
};
export const ELEMENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** FHIR primitive types whose JSON representation is a number / a boolean (everything else is a string). */
export const NUMBER_TYPES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt', 'integer64', 'System.Integer', 'System.Decimal']);
export const BOOLEAN_TYPES = new Set(['boolean', 'System.Boolean']);

export type Json = Record<string, unknown>;

export interface PatchOperation {
  /** 0-based position of the operation in Parameters.parameter. */
  n: number;
  type: OpType;
  path: string;
  name?: string;
  value?: Json;
  index?: number;
  source?: number;
  destination?: number;
  /** Prefix for diagnostics: `FHIRPath Patch operation 2 (replace Patient.birthDate)`. */
  label: string;
  expression: string[];
}

/** The subset of fhirpath.js's ResourceNode that is used here. */
export interface FpNode {
  data: unknown;
  _data?: unknown;
  parentResNode: FpNode | null;
  path: string | null;
  propName: string | null;
  index: number | null;
  fhirNodeDataType: string | null;
}

/** Where a matched element lives in the working copy: `container[key]` or `container[key][index]`. */
export interface Location {
  node: FpNode;
  container: Json;
  key: string;
  index: number | null;
}

/** A value[x] / resource / nested-part value converted to JSON. */
export interface Converted {
  value: unknown;
  /** The value[x] type suffix (`String`, `HumanName`), when the value came from value[x]. */
  suffix?: string;
  /** The `_value[x]` primitive extension sibling, if the part carried one. */
  ext?: Json;
}

/** `obj[key]` only when it is the object's own property (never from the prototype). */
export function own(obj: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** How a JSON value looks, for diagnostics. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
