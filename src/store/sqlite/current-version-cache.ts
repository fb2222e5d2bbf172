import { LRUCache } from 'lru-cache';
import type { StoredVersion } from '../types.js';

/** What one cached entry is charged beyond its JSON (the StoredVersion object, its key, the LRU's slot). */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * The current versions last read, by type and id, so that a repeated read skips SQLite: a WAL read
 * transaction (two fcntl calls on the shared-memory file) and two index lookups, ~9 µs here, most
 * of what a read by id costs the store. Bounded by the stored JSON's length.
 *
 * Only the embedded store keeps one: it is the only writer of its file, and SqliteStore forgets each
 * written key in the same synchronous step as the COMMIT, so no read sees an older version than SQLite
 * would give. (PostgreSQL has other writers: other nodes.)
 */
export class CurrentVersionCache {
  private readonly lru: LRUCache<string, StoredVersion>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => (v.json?.length ?? 0) + ENTRY_OVERHEAD_BYTES });
  }

  get(type: string, id: string): StoredVersion | undefined {
    return this.lru.get(key(type, id));
  }

  set(v: StoredVersion): void {
    this.lru.set(key(v.type, v.id), v);
  }

  /** Drop what the writer just committed (keys as `key` makes them). */
  forget(keys: Iterable<string>): void {
    for (const k of keys) this.lru.delete(k);
  }
}

/** Ids hold no `/` (FHIR id: [A-Za-z0-9\-.]). */
export const key = (type: string, id: string): string => `${type}/${id}`;
