import v8 from 'node:v8';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

// After a full GC V8 lets the old generation grow up to 4x what survived before it collects again: with the
// garbage of large Bundles that put the peak at 350-460 MiB for 100,000 resources (live data under 200).
// 3x held it at 307 MiB loading and 329 under the write workloads (baseline 364 and 351), at the same load
// and create rates; 1.5x went lower (231) but cost creates 15 % in GC. No ceiling a large request could hit
// (issue 4). V8 reads the factor at each GC, so setting it here, before any load, takes effect.
v8.setFlagsFromString('--heap-growing-percent=200');

const config = loadConfig();
const logger = createLogger(config.logLevel);

startServer(config, logger).then(
  (server) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
  (err: unknown) => {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'server failed to start');
    process.exit(1);
  },
);
