import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

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
