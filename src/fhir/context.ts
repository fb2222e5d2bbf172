import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Principal } from '../security/access-tokens.js';
import type { Store, StoreReader, StoreWriter, StoredVersion } from '../store/types.js';

/** What the FHIR layer needs from validation (implemented in src/validation/). */
export interface ResourceValidator {
  /** `profiles: false` checks the base definition only (structure, invariants, bindings), not meta.profile. */
  validate(resource: Resource, options?: { profiles?: boolean }): OperationOutcomeIssue[];
  /**
   * Check that a conformance resource (profile, value set, code system) can be used, and return
   * the effect that makes it take effect (run after its write commits). Throws FhirError 422.
   */
  prepare(resource: Resource): () => void;
  /** Take a stored conformance resource into account at once (start-up). */
  learn(resource: Resource): void;
  /** Forget a deleted conformance resource. */
  forget(resource: Resource): void;
}

/**
 * Runs inside the transaction of a client's create, update or patch, after the version is written: another
 * concern (the workflow engine) reacting to it atomically. Throwing a FhirError refuses the write.
 */
export type WriteHook = (ctx: TxContext, written: Resource, previous: StoredVersion | undefined) => Promise<void>;

/** Everything an interaction handler may use. Handlers never see HTTP. */
export interface FhirContext {
  store: Store;
  /** Set inside a store transaction (one interaction, or a whole transaction Bundle). */
  tx?: StoreWriter;
  /** Effects to apply once the transaction has committed (never after a rollback). */
  afterCommit?: (() => void)[];
  config: Config;
  validator: ResourceValidator;
  logger: Logger;
  /** The current instant as an ISO string (clock.now). */
  now(): string;
  /** The clock `now` reads; manual under CLOCK=manual. */
  clock: Clock;
  /** Hooks on client writes (not on the server's own writes). */
  writeHooks?: WriteHook[];
  /** The client a request acts for (its token's scopes); absent with AUTH=off and for the server's own work. */
  principal?: Principal;
}

/** Where reads go: the open transaction (to see its own writes), else the store. */
export function reader(ctx: FhirContext): StoreReader {
  return ctx.tx ?? ctx.store;
}

/** A context inside a store transaction: reads and writes go through `tx`. */
export type TxContext = FhirContext & { tx: StoreWriter; afterCommit: (() => void)[] };

/**
 * Run `fn` inside the open transaction, or in a new one whose after-commit effects run once it
 * has committed.
 */
export async function inTransaction<T>(ctx: FhirContext, fn: (txCtx: TxContext) => Promise<T>): Promise<T> {
  if (ctx.tx) return fn(ctx as TxContext);
  // A store may run the function again (PostgreSQL retries a serialization failure): only the effects of
  // the attempt that committed run.
  let afterCommit: (() => void)[] = [];
  const result = await ctx.store.transaction((tx) => {
    afterCommit = [];
    return fn({ ...ctx, tx, afterCommit });
  });
  for (const effect of afterCommit) effect();
  return result;
}
