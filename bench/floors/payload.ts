import fs from 'node:fs';

/**
 * What a floor answers: the bytes and content headers of one real `GET /fhir/Patient/<id>` from the
 * server under test, written by bench/lib/floors.ts to the JSON file named by FLOOR_PAYLOAD.
 */
export interface FloorPayload {
  headers: Record<string, string>;
  /** Base64 of the response body. */
  body: string;
}

export function readPayload(): { headers: Record<string, string>; body: Buffer; port: number; host: string } {
  const file = process.env.FLOOR_PAYLOAD;
  if (!file) throw new Error('FLOOR_PAYLOAD (a payload JSON file) is required');
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as FloorPayload;
  const body = Buffer.from(p.body, 'base64');
  // Content-Length as the server sends it, so every floor writes the same header block.
  return { headers: { ...p.headers, 'Content-Length': String(body.length) }, body, port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' };
}

/** Exit cleanly on SIGTERM (the benchmark stops its floors that way). */
export function exitOnSigterm(server: { close(): void }): void {
  process.once('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}
