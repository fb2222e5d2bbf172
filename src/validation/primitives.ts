import { fhirTypeToJsType, validationRegexes } from '@medplum/core';
import type { Issue, PathLike } from './issues.js';
import { structureIssue } from './issues.js';

/*
 * FHIR primitive values: JSON type, then the format rules of each primitive type. The JSON types and
 * regular expressions are @medplum/core's own (`fhirTypeToJsType`, `validationRegexes`), and the rules and
 * messages are those of its validator (validatePrimitiveType / validateString / validateNumber), so a value
 * is accepted here exactly when core accepts it. One closure per type code, built once.
 */

/** Checks one primitive JSON value (never an object: the walker unwraps primitive extensions first). */
export type PrimitiveCheck = (value: unknown, path: PathLike, issues: Issue[]) => void;

const MAX_STRING = 1024 * 1024;

const checks = new Map<string, PrimitiveCheck>();

/** True when core treats the type code as a primitive (its `isPrimitiveType`). */
export function isPrimitiveCode(code: string): boolean {
  return code === 'undefined' || Object.hasOwn(fhirTypeToJsType, code);
}

/** The check for a primitive type code, or undefined when the code is not a primitive. */
export function primitiveCheck(code: string): PrimitiveCheck | undefined {
  let check = checks.get(code);
  if (!check) {
    if (!isPrimitiveCode(code)) return undefined;
    check = build(code);
    checks.set(code, check);
  }
  return check;
}

function build(code: string): PrimitiveCheck {
  const jsType = (fhirTypeToJsType as Record<string, 'string' | 'number' | 'boolean' | undefined>)[code];
  if (!jsType) {
    return (_value, path, issues) => {
      issues.push(structureIssue(path, `Invalid JSON type: ${code} is not a valid FHIR type`));
    };
  }
  if (jsType === 'string') return stringCheck(code);
  if (jsType === 'number') return numberCheck(code);
  return (value, path, issues) => {
    if (typeof value !== 'boolean' && value !== null) issues.push(wrongType(path, 'boolean', value));
  };
}

function wrongType(path: PathLike, expected: string, value: unknown): Issue {
  return structureIssue(path, `Invalid JSON type: expected ${expected}, but got ${typeof value}`);
}

function stringCheck(code: string): PrimitiveCheck {
  const known = Object.hasOwn(validationRegexes, code) ? validationRegexes[code] : undefined;
  const regex = known?.source === '.*' ? undefined : known; // xhtml: matches anything
  const message = `Invalid ${code} format`;
  return (value, path, issues) => {
    if (typeof value !== 'string') {
      if (value !== null) issues.push(wrongType(path, 'string', value));
      return;
    }
    const c = value.charCodeAt(0);
    // trim() only when the first character could be whitespace
    if (!(c > 32 && c < 127) && !value.trim()) {
      issues.push(structureIssue(path, 'String must contain non-whitespace content'));
    } else if (value.length > MAX_STRING) {
      issues.push(structureIssue(path, 'String cannot be larger than 1 MB'));
    } else if (regex && !regex.test(value)) {
      issues.push(structureIssue(path, message));
    }
  };
}

function numberCheck(code: string): PrimitiveCheck {
  const integer = code === 'integer' || code === 'positiveInt' || code === 'unsignedInt';
  return (value, path, issues) => {
    if (typeof value !== 'number') {
      if (value !== null) issues.push(wrongType(path, 'number', value));
      return;
    }
    if (!Number.isFinite(value)) {
      issues.push(structureIssue(path, 'Invalid numeric value'));
    } else if (integer && !Number.isInteger(value)) {
      issues.push(structureIssue(path, 'Expected number to be an integer'));
    } else if (code === 'positiveInt' && value <= 0) {
      issues.push(structureIssue(path, 'Expected number to be positive'));
    } else if (code === 'unsignedInt' && value < 0) {
      issues.push(structureIssue(path, 'Expected number to be non-negative'));
    }
  };
}
