import type { Resource } from '@medplum/fhirtypes';
import { supportedResourceTypes } from './definitions.js';
import { badRequest, notFound } from './errors.js';

let known: Set<string> | undefined;

export function isSupportedType(type: string): boolean {
  known ??= new Set(supportedResourceTypes());
  return known.has(type);
}

/** Unknown resource types in a URL are 404 (the endpoint does not exist). */
export function assertSupportedType(type: string): void {
  if (!isSupportedType(type)) notFound(`Unknown resource type "${type}"`);
}

/** The request body as a resource of the expected type, or 400. */
export function resourceBody(body: unknown, expectedType?: string): Resource {
  if (body === undefined || body === null) badRequest('A resource body is required');
  if (typeof body !== 'object' || Array.isArray(body)) badRequest('The body must be a JSON object (a FHIR resource)');
  const type = (body as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') badRequest('The body has no resourceType', ['resourceType']);
  if (expectedType && type !== expectedType)
    badRequest(`The body's resourceType "${type}" does not match the endpoint type "${expectedType}"`, ['resourceType']);
  if (!isSupportedType(type as string)) badRequest(`Unknown resourceType "${type}"`, ['resourceType']);
  return body as Resource;
}
