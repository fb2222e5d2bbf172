export { Validator, hasErrors } from './validator.js';
export type { ValidatorOptions } from './validator.js';
export { TerminologyIndex } from './terminology.js';
export type { ExpandedValueSet } from './terminology.js';
