// The test suite's PostgreSQL run: on the cluster at TEST_PG_URL, or on a throw-away cluster started for
// the run (pg-cluster.mjs) and removed afterwards, also when tests fail. `--if-available` (npm test)
// skips the run with a notice when there is neither TEST_PG_URL nor a PostgreSQL installation.

import { spawnSync } from 'node:child_process';
import { findBinaries, startCluster, stopCluster } from './pg-cluster.mjs';

const ifAvailable = process.argv.includes('--if-available');
let url = process.env.TEST_PG_URL;
let cluster;
if (!url) {
  if (!findBinaries()) {
    const msg = 'PostgreSQL run not possible: no TEST_PG_URL and no PostgreSQL binaries (apt-get install -y postgresql; then npm run test:pg)';
    console.error(ifAvailable ? `NOTICE: ${msg}` : msg);
    process.exit(ifAvailable ? 0 : 1);
  }
  cluster = await startCluster();
  url = cluster.url;
  console.log(`PostgreSQL run on a throw-away cluster at ${url}`);
}
let status = 1;
try {
  const result = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.pg.config.ts', ...process.argv.slice(2).filter((a) => a !== '--if-available')], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PG_URL: url },
  });
  status = result.status ?? 1;
} finally {
  if (cluster) stopCluster(cluster.dir);
}
process.exit(status);
