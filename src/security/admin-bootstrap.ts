import fs from 'node:fs';
import path from 'node:path';
import type { Organization } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { inTransaction } from '../fhir/context.js';
import { writeVersion } from '../fhir/write.js';
import { findClient, registerClient } from './clients.js';
import { endpointsFor } from './token-service.js';

/*
 * First start with security on: an admin client (client_secret_basic, `system/*.cruds admin`) acting for
 * the server's own Organization, its credentials written to DATA_DIR/admin-client.json readable by the
 * server's user only. Later starts find the client and leave the file alone; with several nodes on one
 * database, the node that registered it holds the file.
 */

export const ADMIN_CLIENT_ID = 'admin';
const ADMIN_ORGANIZATION = 'forlob-admin';
export const ADMIN_SCOPE_SET = 'system/*.cruds admin';

/** Resolves to the credentials file when this start created the admin client, else undefined. */
export async function ensureAdminClient(ctx: FhirContext): Promise<string | undefined> {
  if (await findClient(ctx.store, ADMIN_CLIENT_ID)) return undefined;
  const secret = await inTransaction(ctx, async (tx) => {
    if (await findClient(tx.tx, ADMIN_CLIENT_ID)) return undefined; // another node was first
    const existing = await tx.tx.readCurrent('Organization', ADMIN_ORGANIZATION);
    if (!existing || existing.deleted) {
      const org: Organization = { resourceType: 'Organization', id: ADMIN_ORGANIZATION, active: true, name: 'Forløb server administration' };
      await writeVersion(tx, org, ADMIN_ORGANIZATION, 'PUT', existing, { trusted: true });
    }
    const { secret } = await registerClient(tx.tx, {
      clientId: ADMIN_CLIENT_ID,
      name: 'Forløb administrator',
      organization: `Organization/${ADMIN_ORGANIZATION}`,
      scope: ADMIN_SCOPE_SET,
      authMethod: 'client_secret_basic',
    });
    return secret;
  });
  if (!secret) return undefined;
  const file = path.join(ctx.config.dataDir, 'admin-client.json');
  const content = {
    client_id: ADMIN_CLIENT_ID,
    client_secret: secret,
    token_endpoint: endpointsFor(ctx.config.baseUrl).token,
    scope: ADMIN_SCOPE_SET,
    usage: 'curl -u admin:<client_secret> -d grant_type=client_credentials <token_endpoint>',
  };
  fs.mkdirSync(ctx.config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // the mode of writeFileSync applies to new files only
  return file;
}
