import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { Config } from '../config.js';
import type { Store, StoreReader, StoreWriter } from '../store/types.js';

/** What the FHIR layer needs from validation (implemented in src/validation/). */
export interface ResourceValidator {
  validate(resource: Resource): OperationOutcomeIssue[];
  /** Take a written conformance resource (profile, value set, code system) into account. */
  learn(resource: Resource): void;
  /** Forget a deleted conformance resource. */
  forget(resource: Resource): void;
}

/** Everything an interaction handler may use. Handlers never see HTTP. */
export interface FhirContext {
  store: Store;
  /** Set while a transaction Bundle runs: every entry reads and writes through it. */
  tx?: StoreWriter;
  config: Config;
  validator: ResourceValidator;
  /** The current instant as an ISO string; replaceable in tests. */
  now(): string;
}

/** Where reads go: the open transaction (to see its own writes), else the store. */
export function reader(ctx: FhirContext): StoreReader {
  return ctx.tx ?? ctx.store;
}

/** Run `fn` inside the open transaction, or in a new one. */
export function inTransaction<T>(ctx: FhirContext, fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
  return ctx.tx ? fn(ctx.tx) : ctx.store.transaction(fn);
}
