import type { Resource } from '@medplum/fhirtypes';
import type { IndexEntries } from '../search/index-types.js';
import type { SearchPlan, SearchPage } from '../search/plan.js';
import type { AuditTrail } from './audit-types.js';
import type { WorkflowReader, WorkflowWriter } from './workflow-types.js';

/** How a version came to be, as recorded in history (Bundle.entry.request.method). */
export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One stored version of a resource. A delete is a version too, without content. */
/** Read-only: the embedded store hands the same object to every reader (current-version-cache.ts). */
export interface StoredVersion {
  readonly type: string;
  readonly id: string;
  readonly versionId: number;
  /** ISO instant with milliseconds, the version's meta.lastUpdated. */
  readonly lastUpdated: string;
  readonly method: WriteMethod;
  readonly deleted: boolean;
  /** The resource JSON text exactly as stored (absent for deletes). */
  readonly json?: string;
}

export interface HistoryQuery {
  type?: string;
  id?: string;
  /** Only versions with lastUpdated >= since. */
  since?: string;
  /** Only versions that were current at some time within [start, end) (FHIR's `_at`). */
  at?: { start: string; end: string };
  /** Only versions recorded up to this sequence number: fixes the result set across pages. */
  maxSeq?: number;
  count: number;
  offset: number;
}

export interface HistoryPage {
  versions: StoredVersion[];
  total: number;
  /** The sequence bound the page was read under; pass it back as `maxSeq` for the next page. */
  maxSeq: number;
}

export interface WriteVersion {
  type: string;
  id: string;
  /** The version this write creates; must be exactly current + 1 (or 1 for a new resource). */
  versionId: number;
  lastUpdated: string;
  method: WriteMethod;
  /** Serialized resource; absent for a delete. */
  json?: string;
  /** Search index rows for the new version; absent for a delete (rows are removed). */
  index?: IndexEntries;
}

/** Read access, outside or inside a transaction. */
export interface StoreReader {
  /** The current version of a resource, deleted or not; undefined when it never existed. */
  readCurrent(type: string, id: string): Promise<StoredVersion | undefined>;
  readVersion(type: string, id: string, versionId: number): Promise<StoredVersion | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  /** Run a search plan; returns matching current, non-deleted resources. */
  search(plan: SearchPlan): Promise<SearchPage>;
  /** Current non-deleted resources by reference ("Type/id"), for _include and $everything. */
  readMany(refs: { type: string; id: string }[]): Promise<StoredVersion[]>;
  /** The workflow engine's rows (workflow-types.ts). */
  readonly workflow: WorkflowReader;
}

/** Write access, only inside a transaction. Writes are visible to reads in the same transaction. */
export interface StoreWriter extends StoreReader {
  /**
   * Record a new version. Fails with a VersionConflict if the current version is not
   * `versionId - 1` (optimistic locking holds even across processes).
   */
  write(version: WriteVersion): Promise<void>;
  readonly workflow: WorkflowWriter;
}

export interface Store extends StoreReader {
  /** The audit trail (audit-types.ts): its own appends, outside `transaction`. */
  readonly audit: AuditTrail;
  /**
   * Run `fn` in one atomic transaction: all its writes commit together or not at all.
   * Transactions are serialisable: the outcome is as if they ran one after another (SQLite runs them so;
   * PostgreSQL runs them concurrently, those that search SERIALIZABLE, the others with row locks on what
   * they write, and may call `fn` again after a serialization failure or to change isolation, so `fn`
   * must have no effects outside `tx`). Reads outside a transaction see only committed data.
   */
  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /**
   * Replace the search index rows of every current, non-deleted resource of `type` with
   * `extract(json)` of its stored JSON (after a SearchParameter was added or changed). Runs in
   * transactions of `batchSize` resources (default 500), so other requests are served in between;
   * resources written meanwhile are indexed by their own write. Resolves to the number reindexed.
   */
  reindex(type: string, extract: (json: string) => IndexEntries, batchSize?: number): Promise<number>;
  close(): Promise<void>;
}

/** Thrown by StoreWriter.write when another write got there first. */
export class VersionConflict extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Version conflict on ${type}/${id}: expected ${expected}, found ${actual}`);
  }
}

export type { Resource };

/** Thrown by a store that cannot reach its database right now (the HTTP layer answers 503). */
export class StoreUnavailable extends Error {}

/** Thrown when the database cancelled a statement that ran longer than allowed (the HTTP layer answers 503). */
export class StoreTimeout extends Error {}
