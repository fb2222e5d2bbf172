import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFor, dropDatabaseFor, testPgUrl } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * The database goes away and comes back (PostgreSQL run only): the server answers 503 with an
 * OperationOutcome and Retry-After meanwhile, never a 500 or a hang, and recovers without a restart.
 * A TCP relay between server and database plays the network: closing it cuts every connection.
 */

class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

let relay: Relay;
let srv: TestServer;

beforeAll(async () => {
  if (!testPgUrl) throw new Error('pg-unavailable needs TEST_PG_URL (run it through npm run test:pg)');
  const direct = new URL(await databaseFor(`pg-unavailable-${process.pid}`));
  const probe = net.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
  await new Promise((r) => probe.close(r));
  relay = new Relay({ host: direct.hostname, port: Number(direct.port) }, port);
  await relay.open();
  const viaRelay = new URL(direct);
  viaRelay.port = String(port);
  srv = await startTestServer({ DATABASE_URL: viaRelay.toString() });
});

afterAll(async () => {
  await srv?.close();
  await relay?.close();
  await dropDatabaseFor(`pg-unavailable-${process.pid}`);
});

describe('PostgreSQL unreachable', () => {
  it('503 with an OperationOutcome while the database is away; back to normal when it returns, without a restart', async () => {
    const created = await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Before' }] } });
    expect(created.status).toBe(201);

    await relay.close();
    for (const request of [
      fhirFetch(`${srv.base}/Patient/${created.body.id}`),
      fhirFetch(`${srv.base}/Patient?family=Before`),
      fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'During' }] } }),
    ]) {
      const res = await request;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].code).toBe('transient');
    }

    await relay.open();
    const read = await fhirFetch(`${srv.base}/Patient/${created.body.id}`);
    expect(read.status).toBe(200);
    const after = await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'After' }] } });
    expect(after.status).toBe(201);
    // The write refused while the database was away left nothing behind.
    const during = await fhirFetch(`${srv.base}/Patient?family=During`);
    expect(during.body.total ?? during.body.entry?.length ?? 0).toBe(0);
  });
});
