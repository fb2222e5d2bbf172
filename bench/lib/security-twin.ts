import fs from 'node:fs';
import path from 'node:path';
import { atCleanup } from './cleanup.js';
import { log } from './log.js';
import type { PreparedServer } from './prepare.js';
import { BenchServer } from './server.js';
import type { Target } from './workload.js';

/** The label of the twin in the tables and the JSON. */
export const SECURITY_ON = 'security-on';

/**
 * The server under test once more, on a copy of its loaded store, with security on (issue 8): every request
 * carries a bearer token that is verified, access is checked, and every request leaves an audit row. Reads and
 * searches run on both, alternating, so the table shows what security costs. The requests are the admin client's
 * (the server creates it on its first start); rate limits are off (16 connections of one client would be throttled).
 */
export async function startSecurityTwin(main: PreparedServer): Promise<{ target: Target; stop: () => Promise<void> }> {
  const twin = BenchServer.fresh(`${main.server.build.label}-${SECURITY_ON}`, main.server.build);
  const stop = atCleanup(async () => {
    await twin.stop();
    twin.remove();
  });
  // A consistent copy: the server is stopped while its files are copied (it checkpoints on the way down).
  await main.server.stop();
  for (const name of fs.readdirSync(main.server.dataDir)) fs.cpSync(path.join(main.server.dataDir, name), path.join(twin.dataDir, name), { recursive: true });
  await main.server.start();
  // Tokens live for the whole run: a refresh in the middle of a measured window would be measured too.
  const ms = await twin.start({ AUTH: 'on', RATE_LIMIT: '0', TOKEN_TTL_SECONDS: '7200' });
  log(`${SECURITY_ON}: started on a copy of the store (${twin.dataDir}) in ${ms} ms`);
  const credentials = JSON.parse(fs.readFileSync(path.join(twin.dataDir, 'admin-client.json'), 'utf8')) as { client_id: string; client_secret: string };
  const res = await fetch(`${twin.root}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(credentials.client_id)}:${encodeURIComponent(credentials.client_secret)}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  if (!res.ok) throw new Error(`${SECURITY_ON}: token request failed: HTTP ${res.status} ${await res.text()}`);
  const { access_token } = (await res.json()) as { access_token: string };
  return { target: { label: SECURITY_ON, kind: 'server', root: twin.root, pid: twin.pid, headers: { authorization: `Bearer ${access_token}` } }, stop };
}
