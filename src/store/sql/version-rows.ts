// Rows of the versions table (joined with resources) as StoredVersions; shared by reads and search.

import type { StoredVersion, WriteMethod } from '../types.js';

export interface VersionRow {
  type: string;
  id: string;
  version: number;
  last_updated: string;
  method: string;
  content: string | null;
}

/** The columns of a VersionRow, from `resources r` and `versions v`. */
export const VERSION_COLUMNS = 'r.type, r.id, v.version, v.last_updated, v.method, v.content';

export const BY_RID = `SELECT ${VERSION_COLUMNS}
  FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version WHERE r.rid = ?`;

export function toStored(row: VersionRow): StoredVersion {
  return {
    type: row.type,
    id: row.id,
    versionId: row.version,
    lastUpdated: row.last_updated,
    method: row.method as WriteMethod,
    deleted: row.content === null,
    json: row.content ?? undefined,
  };
}
