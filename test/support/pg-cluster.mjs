// A throw-away PostgreSQL cluster for the test suite's PostgreSQL run (and for trying the server on
// PostgreSQL by hand): `node test/support/pg-cluster.mjs start` prints the admin URL and the cluster's
// directory; `stop <dir>` stops and deletes it. Binaries come from PATH or /usr/lib/postgresql/<major>/bin.
// initdb refuses to run as root: as root, the cluster belongs to the `postgres` user.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findBinaries() {
  // Through symlinks (/usr/local/bin/pg_ctl → /usr/lib/postgresql/15/bin/pg_ctl): the other tools are there.
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const dir = onPath && path.dirname(fs.realpathSync(onPath));
  if (dir && fs.existsSync(path.join(dir, 'initdb'))) return dir;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const majors = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? path.join(root, majors[0], 'bin') : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Run a cluster command, as `postgres` when we are root. */
function run(bin, args) {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function requireBinaries() {
  const bin = findBinaries();
  if (!bin) throw new Error('No PostgreSQL binaries (pg_ctl, initdb) on PATH or in /usr/lib/postgresql/*/bin: install PostgreSQL (apt-get install -y postgresql) or set TEST_PG_URL');
  return bin;
}

/** A new directory for a cluster, owned by the user the cluster runs as. */
function clusterDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  return dir;
}

/** Start the cluster in `dir`/data on `port`: test speed over durability, it is thrown away after the run. */
function startIn(bin, dir, port) {
  const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=300', '-c shared_buffers=128MB'].join(' ');
  run(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
}

export async function startCluster() {
  const bin = requireBinaries();
  const dir = clusterDir();
  run(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  return startIn(bin, dir, await freePort());
}

/**
 * A streaming replica (hot standby) of the cluster at `primaryUrl`, cloned with pg_basebackup: it follows
 * the primary's WAL and answers read-only queries. Stop it with stopCluster(dir).
 */
export async function startReplica(primaryUrl) {
  const bin = requireBinaries();
  const dir = clusterDir();
  const u = new URL(primaryUrl);
  try {
    run(path.join(bin, 'pg_basebackup'), ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'),
      '-D', path.join(dir, 'data'), '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    return startIn(bin, dir, await freePort());
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export function stopCluster(dir) {
  const bin = findBinaries();
  try {
    if (bin) run(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, dir] = process.argv.slice(2);
  if (command === 'start') {
    const cluster = await startCluster();
    console.log(`TEST_PG_URL=${cluster.url}\nPG_CLUSTER_DIR=${cluster.dir}`);
  } else if (command === 'stop' && dir) {
    stopCluster(dir);
  } else {
    console.error('usage: node test/support/pg-cluster.mjs start | stop <dir>');
    process.exit(2);
  }
}
