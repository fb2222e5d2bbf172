import express, { type Request, type Response } from 'express';
import type { FhirContext } from '../fhir/context.js';
import { FhirError } from '../fhir/errors.js';
import { ADMIN_SCOPE } from '../security/scopes.js';
import { ASSERTION_ALGS, endpointsFor, OAuthError, type TokenService } from '../security/token-service.js';

/*
 * The OAuth endpoints of SMART Backend Services beside the FHIR API: token, registration (RFC 7591, admin),
 * key rotation (admin), the JWK Set, and the SMART configuration the FHIR base announces.
 */

const FORM_LIMIT = '64kb';

/**
 * Mount the endpoints on `app`: /oauth2/* as one router (FHIR requests pass it with one prefix check),
 * the two well-known documents as single routes. `limitToken` guards the token endpoint.
 */
export function mountOAuth(app: express.Express, ctx: FhirContext, tokens: TokenService, limitToken: express.RequestHandler): void {
  const router = express.Router();
  const endpoints = () => endpointsFor(ctx.config.baseUrl);
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, type: () => true });
  const json = express.json({ limit: FORM_LIMIT, type: () => true });

  router.post('/token', limitToken, form, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const one = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    try {
      const answer = await tokens.token(
        { grantType: one('grant_type'), scope: one('scope'), authorization: req.headers.authorization, clientAssertionType: one('client_assertion_type'), clientAssertion: one('client_assertion') },
        endpoints(),
      );
      res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).status(200).json(answer);
    } catch (err) {
      sendOAuthError(res, err);
    }
  });

  router.post('/register', json, async (req: Request, res: Response) => {
    try {
      const principal = await tokens.authenticate(req.headers.authorization, endpoints());
      res.set('cache-control', 'no-store').status(201).json(await tokens.register(principal, req.body));
    } catch (err) {
      sendOAuthError(res, err);
    }
  });

  router.post('/rotate-keys', async (req: Request, res: Response) => {
    try {
      const principal = await tokens.authenticate(req.headers.authorization, endpoints());
      res.status(200).json(await tokens.rotateKeys(principal));
    } catch (err) {
      sendOAuthError(res, err);
    }
  });

  app.use('/oauth2', router);

  app.get('/.well-known/jwks.json', (_req: Request, res: Response) => {
    res.set('cache-control', 'max-age=60').json(tokens.keys.jwks());
  });

  app.get('/fhir/.well-known/smart-configuration', (_req: Request, res: Response) => {
    const e = endpoints();
    res.json({
      issuer: e.issuer,
      jwks_uri: e.jwks,
      token_endpoint: e.token,
      registration_endpoint: e.register,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
      scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', ADMIN_SCOPE],
      capabilities: ['client-confidential-symmetric', 'client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    });
  });
}

function sendOAuthError(res: Response, err: unknown): void {
  if (err instanceof OAuthError) {
    res.set({ 'cache-control': 'no-store', ...err.headers }).status(err.status).json({ error: err.error, error_description: err.description });
    return;
  }
  if (err instanceof FhirError && err.status === 401) {
    res.set({ 'cache-control': 'no-store', ...err.headers }).status(401).json({ error: 'invalid_token', error_description: err.message });
    return;
  }
  throw err;
}
