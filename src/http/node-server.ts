import http from 'node:http';
import type express from 'express';

/**
 * The node:http server for an Express app, with requests and responses born with the app's
 * prototypes.
 *
 * Express 5 calls `Object.setPrototypeOf(req, app.request)` (and the same for `res`) on every
 * request. Changing an object's prototype after construction gives it a fresh hidden class, which
 * turns node's own http code megamorphic: measured here (2 cores, Node 20, a 600-byte read answered
 * with writeHead/end), bare Express spends ~170 µs of CPU per request against ~35 µs for node:http.
 * Constructing req/res with the app's prototypes through node's documented `IncomingMessage` /
 * `ServerResponse` server options makes Express's call a no-op (the prototype is already the same)
 * and brings Express to ~40–50 µs per request. Express still routes and handles every request.
 */
export function createNodeServer(app: express.Express): http.Server {
  const Request = subclass(http.IncomingMessage, app.request);
  const Response = subclass(http.ServerResponse, app.response);
  return http.createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}

/**
 * A constructor that runs `base` on a new object whose prototype is `proto` (itself derived from
 * `base.prototype`). node's IncomingMessage and ServerResponse are plain functions, callable on
 * `this`; should a future Node make them classes, Reflect.construct keeps this correct (only slower).
 */
function subclass<T extends abstract new (...args: never[]) => object>(base: T, proto: object): T {
  const callable = !/^class\b/.test(Function.prototype.toString.call(base));
  function Derived(this: object, ...args: unknown[]): object | void {
    if (callable) {
      (base as unknown as (...a: unknown[]) => void).apply(this, args);
      return;
    }
    return Reflect.construct(base as unknown as new (...a: unknown[]) => object, args, Derived);
  }
  Derived.prototype = proto;
  return Derived as unknown as T;
}
