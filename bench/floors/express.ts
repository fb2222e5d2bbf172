/**
 * Floors 2–4: a bare Express 5 app with one GET route, answering with the bytes and content
 * headers of a real Patient read, from memory.
 *
 * FLOOR_MODE=write-head (the "express" floor): `res.writeHead(200, headers); res.end(bytes)`, as the
 * server's own respond.ts does, in a node:http server built the way the server builds its own
 * (src/http/node-server.ts: req/res constructed with Express's prototypes). This is the limit of our
 * stack. FLOOR_MODE=default (the "express-default" floor, for information): the same route in
 * Express's own `app.listen` server, which re-prototypes every req/res. FLOOR_MODE=send (the
 * "express-send" floor, for information): `res.send(bytes)` with Express's default weak ETag, which
 * hashes every body, plus its content-type and freshness handling: what the convenient API costs.
 */
import type { Server } from 'node:http';
import express from 'express';
import { createNodeServer } from '../../src/http/node-server.js';
import { exitOnSigterm, readPayload } from './payload.js';

const { headers, body, port, host } = readPayload();
const mode = process.env.FLOOR_MODE ?? 'write-head';
const send = mode === 'send';
const app = express();
// The server under test sends no X-Powered-By either; same header block on the wire.
app.disable('x-powered-by');
if (send) {
  const { ETag: _etag, 'Content-Length': _length, ...rest } = headers;
  void _etag;
  void _length;
  app.get('/fhir/Patient/:id', (_req, res) => {
    res.set(rest).send(body);
  });
} else {
  app.get('/fhir/Patient/:id', (_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
}
app.get('/healthz', (_req, res) => {
  res.end('ok');
});
let server: Server;
if (mode === 'write-head') {
  server = createNodeServer(app);
  server.listen(port, host);
} else {
  server = app.listen(port, host);
}
server.keepAliveTimeout = 65_000;
exitOnSigterm(server);
