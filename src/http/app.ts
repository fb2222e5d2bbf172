import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { FhirContext } from '../fhir/context.js';
import { dispatch } from '../fhir/dispatch.js';
import { FhirError, fail, outcome } from '../fhir/errors.js';
import { StoreTimeout, StoreUnavailable } from '../store/types.js';
import type { FhirRequestHeaders, HttpMethod } from '../fhir/request.js';
import { parseQuery, routeRequest } from '../fhir/route.js';
import { parseBody } from './body.js';
import { checkAcceptable } from './negotiation.js';
import { sendFhir, sendOutcome } from './respond.js';
import { mountOAuth } from './oauth-routes.js';
import { securityHeaders } from './security-headers.js';
import { RateLimiter } from '../security/rate-limit.js';
import type { AuditLog } from '../security/audit-log.js';
import { auditRowFor } from '../security/audit-record.js';
import type { Principal } from '../security/access-tokens.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { endpointsFor, type TokenService } from '../security/token-service.js';

const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Most query parameters (repetitions counted) one request may carry. */
const MAX_QUERY_PARAMS = 200;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AppOptions {
  ctx: FhirContext;
  logger: Logger;
  /** Answered by /healthz: 200 once true. */
  isReady: () => boolean;
  /** Access tokens (AUTH=on); absent, every request is served without one. */
  tokens?: TokenService;
  /** The audit trail (AUTH=on): one row per FHIR request. */
  audit?: AuditLog;
}

/** The Express app: one catch-all FHIR route, a short middleware list (every layer costs on reads). */
export function createApp({ ctx, logger, isReady, tokens, audit }: AppOptions): express.Express {
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.set('query parser', false);
  app.use(securityHeaders(ctx.config.baseUrl.startsWith('https:')));
  // Per client (the token's client id), and per address at the token endpoint: secrets are not to be guessed.
  const perClient = ctx.config.rateLimit > 0 ? new RateLimiter({ perSecond: ctx.config.rateLimit, burst: ctx.config.rateLimit * 2 }) : undefined;
  const perAddress = new RateLimiter({ perSecond: 20, burst: 50 });

  // One line per request at level info; below that, no clock reading or listener per request either.
  if (logger.isLevelEnabled('info')) {
    app.use((req, res, next) => {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        logger.info({ method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
      });
      next();
    });
  }

  app.get('/healthz', (_req, res) => {
    const ready = isReady();
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
  });

  if (tokens) {
    mountOAuth(app, ctx, tokens, (req, res, next) => {
      const wait = perAddress.take(req.socket.remoteAddress ?? '', Date.now());
      if (wait === 0) return next();
      res.set({ 'retry-after': String(wait), 'cache-control': 'no-store' }).status(429).json({ error: 'slow_down', error_description: `Too many token requests; retry after ${wait} s` });
    });
  }

  const raw = express.raw({ type: () => true, limit: ctx.config.maxBodyBytes });
  // Read inside the FHIR handler rather than as a layer of its own: every layer costs every read.
  const readBody = (req: Request, res: Response) => new Promise<void>((resolve, reject) => raw(req, res, (err?: unknown) => (err ? reject(err) : resolve())));

  app.use('/fhir', async (req: Request, res: Response) => {
    const method = req.method as HttpMethod;
    if (!METHODS.has(method)) {
      await sendOutcome(req, res, 405, outcome('error', 'not-supported', `Method ${req.method} is not supported`));
      return;
    }
    if (WRITES.has(method)) {
      try {
        await readBody(req, res);
      } catch (err) {
        await sendError(req, res, err, logger);
        return;
      }
    }
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? {} : parseQuery(req.url.slice(q + 1));
    let principal: Principal | undefined;
    let fhirReq: FhirRequest | undefined;
    let out: FhirResponse | undefined;
    try {
      if (Object.values(query).reduce((n, v) => n + v.length, 0) > MAX_QUERY_PARAMS) fail(400, 'too-costly', `More than ${MAX_QUERY_PARAMS} query parameters`);
      // The CapabilityStatement is public (it says how to get a token); everything else needs one.
      principal = tokens && !(method === 'GET' && path === '/metadata') ? await tokens.authenticate(req.headers.authorization, endpointsFor(ctx.config.baseUrl)) : undefined;
      const wait = principal && perClient ? perClient.take(principal.clientId, Date.now()) : 0;
      if (wait > 0) throw new FhirError(429, outcome('error', 'throttled', `Rate limit of ${ctx.config.rateLimit} requests/s for client ${principal!.clientId}; retry after ${wait} s`), { 'retry-after': String(wait) });
      checkAcceptable(req.headers.accept, query._format?.[0]);
      const body = WRITES.has(method) ? parseBody(req) : undefined;
      fhirReq = routeRequest(method, path, query, headersOf(req), body, req.headers['content-type']);
      out = await dispatch(principal ? { ...ctx, principal } : ctx, fhirReq);
      // A batch/transaction (POST to the base) always answers its response Bundle: Prefer applies to its entries.
      const isWrite = WRITES.has(method) && fhirReq.operation === undefined && !fhirReq.search && fhirReq.resourceType !== undefined;
      await sendFhir(req, res, out, isWrite);
    } catch (err) {
      await sendError(req, res, err, logger);
    }
    // Queued only: the audit trail is written in batches, off the request path (security/audit-log.ts).
    if (audit && !(method === 'GET' && path === '/metadata')) audit.record(auditRowFor(principal, fhirReq, path, res.statusCode, out));
  });

  app.use((req: Request, res: Response) => {
    void sendOutcome(req, res, 404, outcome('error', 'not-found', `No such endpoint: ${req.method} ${req.path}`));
  });

  // Errors raised before the FHIR handler (body too large, bad encoding) land here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void sendError(req, res, err, logger);
  });
  return app;
}

function headersOf(req: Request): FhirRequestHeaders {
  const h = req.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return {
    ifMatch: one(h['if-match']),
    ifNoneMatch: one(h['if-none-match']),
    ifModifiedSince: one(h['if-modified-since']),
    ifNoneExist: one(h['if-none-exist']),
    prefer: one(h.prefer),
    idempotencyKey: one(h['idempotency-key']),
  };
}

async function sendError(req: Request, res: Response, err: unknown, logger: Logger): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof FhirError) {
    await sendOutcome(req, res, err.status, err.outcome, err.headers);
    return;
  }
  if (err instanceof StoreUnavailable) {
    logger.warn({ err: err.message, path: req.originalUrl }, 'store unavailable');
    await sendOutcome(req, res, 503, outcome('error', 'transient', 'The database is unavailable; try again shortly'), { 'retry-after': '5' });
    return;
  }
  if (err instanceof StoreTimeout) {
    logger.warn({ err: err.message, path: req.originalUrl }, 'statement timeout');
    await sendOutcome(req, res, 503, outcome('error', 'timeout', 'The request took longer than the server allows; narrow the search or try again later'), { 'retry-after': '5' });
    return;
  }
  const bodyError = err as { type?: string; status?: number; message?: string };
  if (bodyError?.type === 'entity.too.large') {
    await sendOutcome(req, res, 413, outcome('error', 'too-costly', 'Request body is larger than the server accepts'));
    return;
  }
  if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    await sendOutcome(req, res, bodyError.status, outcome('error', 'invalid', bodyError.message ?? 'Bad request'));
    return;
  }
  logger.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : err, path: req.originalUrl }, 'unhandled error');
  await sendOutcome(req, res, 500, outcome('fatal', 'exception', 'Internal server error'));
}
