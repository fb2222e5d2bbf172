import type { AddressInfo } from 'node:net';
import { loadConformanceContent } from './bootstrap.js';
import { Clock } from './clock.js';
import type { Config } from './config.js';
import type { FhirContext } from './fhir/context.js';
import { loadBaseDefinitions } from './fhir/definitions.js';
import { createApp } from './http/app.js';
import { createNodeServer } from './http/node-server.js';
import { createLogger, type Logger } from './log.js';
import { loadSeedCatalogue } from './programmes/seed-loader.js';
import { openStore, redacted } from './store/open-store.js';
import type { Store } from './store/types.js';
import { Validator } from './validation/validator.js';
import { restoreClock } from './workflow/clock-control.js';
import { startScheduler } from './workflow/scheduler.js';
import { workflowWriteHook } from './workflow/triggers.js';
import { accessWriteHook } from './security/access-checks.js';
import { ensureAdminClient } from './security/admin-bootstrap.js';
import { SigningKeys } from './security/signing-keys.js';
import { TokenService } from './security/token-service.js';
import { AuditLog } from './security/audit-log.js';

export interface RunningServer {
  /** http://host:port (without /fhir). */
  url: string;
  store: Store;
  logger: Logger;
  close(): Promise<void>;
}

/** Open the store, load definitions, and listen. Resolves once the server accepts requests. */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const started = Date.now();
  let ready = false;
  loadBaseDefinitions();
  const store = await openStore(config, (message) => logger.warn(message));
  const validator = new Validator();
  const clock = new Clock(config.clock === 'manual');
  const ctx: FhirContext = { store, config, validator, logger, clock, now: clock.now, writeHooks: [accessWriteHook, workflowWriteHook] };
  await restoreClock(ctx);
  await loadConformanceContent(ctx, config.profilesDir, logger);
  await loadSeedCatalogue(ctx, logger, config.seed);
  let tokens: TokenService | undefined;
  let audit: AuditLog | undefined;
  if (config.auth === 'on') {
    const keys = new SigningKeys(store);
    await keys.ready();
    tokens = new TokenService(store, keys, config.tokenTtlSeconds);
    audit = new AuditLog(store, (message) => logger.warn(message));
  }
  const scheduler = startScheduler(ctx, config.schedulerIntervalMs);
  const app = createApp({ ctx, logger, isReady: () => ready, tokens, audit });
  const server = createNodeServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  // PORT=0 without a BASE_URL: the default base names port 0, replaced by the port the system chose.
  if (config.baseUrl === `http://${config.host}:0/fhir`) config.baseUrl = `${url}/fhir`;
  if (tokens) {
    const file = await ensureAdminClient(ctx);
    if (file) logger.warn({ file }, `first start with AUTH=on: the admin client's credentials are in ${file} (readable by this user only); keep them safe`);
  } else {
    logger.warn('AUTH=off: every request is served WITHOUT authentication or access control (loopback only, for development)');
  }
  ready = true;
  if (clock.manual) logger.warn({ now: ctx.now() }, 'CLOCK=manual: time also moves by POST /fhir/$advance-clock');
  logger.info({ url: `${url}/fhir`, store: config.databaseUrl ? redacted(config.databaseUrl) : config.dataDir, startupMs: Date.now() - started }, 'server ready');
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    logger,
    // Once: a second call (a test's cleanup after its own close) waits for the first.
    close: () => (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await scheduler.stop();
      await audit?.flush();
      await store.close();
    })()),
  };
}
