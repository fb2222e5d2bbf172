import type { NextFunction, Request, Response } from 'express';

/*
 * Response headers for an API that serves JSON only: nothing it sends is to be sniffed, framed, or run as
 * a page. Set once per response from a fixed list (the cost is a few header writes).
 */
const HEADERS: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-resource-policy', 'same-origin'],
];

/** The headers above, plus HSTS when the public base URL is https (then the server sits behind TLS). */
export function securityHeaders(https: boolean) {
  const headers = https ? [...HEADERS, ['strict-transport-security', 'max-age=31536000'] as [string, string]] : HEADERS;
  return (_req: Request, res: Response, next: NextFunction): void => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
