import { fail } from '../fhir/errors.js';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const XML_HINT = /xml/i;

/**
 * This server speaks JSON only. A request that can only take XML (Accept or `_format`) gets 406;
 * `_format` values for JSON are accepted.
 */
export function checkAcceptable(accept: string | undefined, format: string | undefined): void {
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (f === 'json' || JSON_TYPES.has(f) || f === 'application/fhir json') return;
    if (XML_HINT.test(f) || f === 'xml') fail(406, 'not-supported', `_format=${format} is not supported: this server speaks JSON only`);
    fail(406, 'not-supported', `Unknown _format "${format}"`);
  }
  if (!accept) return;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const ok = types.some((t) => t === '*/*' || t === 'application/*' || JSON_TYPES.has(t) || t.endsWith('+json') || t === 'text/*' || t === 'text/plain' || t === 'text/html');
  if (!ok && types.some((t) => XML_HINT.test(t))) fail(406, 'not-supported', `Cannot answer in ${accept}: this server speaks JSON only`);
}

export type BodyKind = 'json' | 'json-patch' | 'form';

/** The kind of body a Content-Type announces; XML and anything else is 415. */
export function bodyKind(contentType: string | undefined): BodyKind {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (JSON_TYPES.has(t)) return 'json';
  if (t === 'application/json-patch+json') return 'json-patch';
  if (t === 'application/x-www-form-urlencoded') return 'form';
  return fail(415, 'not-supported', `Unsupported Content-Type "${contentType ?? ''}": send application/fhir+json`);
}
