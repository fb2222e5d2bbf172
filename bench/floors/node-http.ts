/**
 * Floor 1: a bare `node:http` server answering every request with the bytes and content headers of a
 * real Patient read, from memory: the machine's HTTP limit (no routing, no framework).
 */
import http from 'node:http';
import { exitOnSigterm, readPayload } from './payload.js';

const { headers, body, port, host } = readPayload();
const server = http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000; // as the server under test (Keep-Alive: timeout=65)
server.listen(port, host);
exitOnSigterm(server);
