import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Request, Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { parsePrefer, type FhirResponse } from '../fhir/request.js';

const gzipAsync = promisify(gzip);
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Bodies smaller than this are not worth compressing. */
const GZIP_MIN_BYTES = 1024;

/**
 * Put a FhirResponse on the wire: status, ETag / Last-Modified / Location, `Prefer: return=…`,
 * `_pretty`, and gzip when the client accepts it. Writes with writeHead/end to stay off Express's
 * slower res.send path.
 */
export async function sendFhir(req: Request, res: Response, out: FhirResponse, isWrite: boolean): Promise<void> {
  const headers: Record<string, string> = { ...out.headers };
  if (out.versionId !== undefined) headers.ETag = `W/"${out.versionId}"`;
  if (out.lastUpdated !== undefined) headers['Last-Modified'] = new Date(out.lastUpdated).toUTCString();
  if (out.location !== undefined && isWrite && (out.status === 201 || out.status === 200)) headers.Location = out.location;
  if (out.location !== undefined && !isWrite && out.status === 200) headers['Content-Location'] = out.location;

  let json: string | undefined = out.json;
  let body = out.body;
  if (isWrite && out.status < 300) {
    const prefer = parsePrefer(req.headers.prefer as string | undefined).return;
    if (prefer === 'minimal') {
      json = undefined;
      body = undefined;
    } else if (prefer === 'OperationOutcome') {
      json = undefined;
      body = out.outcome ?? writeOutcome(out);
    }
  }
  if (out.status === 304) {
    json = undefined;
    body = undefined;
  }
  if (json === undefined && body !== undefined) json = JSON.stringify(body);
  if (json === undefined) {
    res.writeHead(out.status, headers);
    res.end();
    return;
  }
  if (isPretty(req)) json = JSON.stringify(JSON.parse(json), null, 2);
  await writeJson(req, res, out.status, headers, json, out.contentType);
}

export async function writeJson(
  req: Request,
  res: Response,
  status: number,
  headers: Record<string, string>,
  json: string,
  contentType = FHIR_JSON,
): Promise<void> {
  headers['Content-Type'] = contentType;
  // Uncompressed bodies go out as strings: node then sends headers and body in one write, no copy.
  const length = Buffer.byteLength(json, 'utf8');
  if (length >= GZIP_MIN_BYTES && acceptsGzip(req)) {
    const payload = await gzipAsync(json);
    headers['Content-Encoding'] = 'gzip';
    headers.Vary = 'Accept-Encoding';
    headers['Content-Length'] = String(payload.length);
    res.writeHead(status, headers);
    res.end(payload);
    return;
  }
  headers['Content-Length'] = String(length);
  res.writeHead(status, headers);
  res.end(json, 'utf8');
}

export function sendOutcome(req: Request, res: Response, status: number, outcome: OperationOutcome, extra: Record<string, string> = {}): Promise<void> {
  return writeJson(req, res, status, { ...extra }, JSON.stringify(outcome));
}

function writeOutcome(out: FhirResponse): OperationOutcome {
  const what = out.resourceType && out.id ? `${out.resourceType}/${out.id}` : 'The resource';
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'information',
        code: 'informational',
        diagnostics: `${what} ${out.status === 201 ? 'was created' : 'was updated'}${out.versionId ? ` (version ${out.versionId})` : ''}`,
      },
    ],
  };
}

function acceptsGzip(req: Request): boolean {
  const enc = req.headers['accept-encoding'];
  return typeof enc === 'string' && /\bgzip\b/.test(enc) && !/\bgzip\s*;\s*q=0(\.0+)?\b/.test(enc);
}

function isPretty(req: Request): boolean {
  if (!req.url.includes('_pretty')) return false;
  const pretty = new URL(req.url, 'http://x').searchParams.get('_pretty');
  return pretty === 'true';
}
