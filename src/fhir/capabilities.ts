import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { operations } from '../operations/registry.js';
import { endpointsFor } from '../security/token-service.js';
import type { FhirContext } from './context.js';
import { supportedResourceTypes } from './definitions.js';

const SERVER_VERSION = '0.1.0';
let cached: { base: string; statement: CapabilityStatement } | undefined;

/** Forget the generated statement (a SearchParameter or operation was added). */
export function invalidateCapabilities(): void {
  cached = undefined;
}

/** The CapabilityStatement, generated from what the server really implements. */
export function capabilityStatement(ctx: FhirContext): CapabilityStatement {
  if (cached?.base === ctx.config.baseUrl) return cached.statement;
  const typeOps = (type: string) =>
    operations
      .filter((op) => (op.levels.includes('type') || op.levels.includes('instance')) && (!op.resourceTypes || op.resourceTypes.includes(type)))
      .map((op) => ({ name: op.name, definition: op.definition }));
  const resources: CapabilityStatementRestResource[] = supportedResourceTypes().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'].map(
      (code) => ({ code: code as 'read' }),
    ),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'logical'],
    searchParam: Object.values(getSearchParameters(type) ?? {})
      .map((sp) => ({ name: sp.code as string, definition: sp.url, type: sp.type }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    operation: typeOps(type),
  }));
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Forløb',
    kind: 'instance',
    software: { name: 'Forløb', version: SERVER_VERSION },
    implementation: { description: 'Forløb FHIR R4 server', url: ctx.config.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        ...(ctx.config.auth === 'on' && { security: smartSecurity(ctx.config.baseUrl) }),
        resource: resources,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }, { code: 'history-system' }],
        operation: operations
          .filter((op) => op.levels.includes('system'))
          .map((op) => ({ name: op.name, definition: op.definition })),
      },
    ],
  };
  cached = { base: ctx.config.baseUrl, statement };
  return statement;
}

/** SMART on FHIR's declaration of how to get a token (the oauth-uris extension, as SMART App Launch 1.0 and 2.x read it). */
function smartSecurity(baseUrl: string): NonNullable<CapabilityStatement['rest']>[number]['security'] {
  const endpoints = endpointsFor(baseUrl);
  return {
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: endpoints.token },
          { url: 'register', valueUri: endpoints.register },
        ],
      },
    ],
    description: `SMART Backend Services (client credentials; client_secret_basic or private_key_jwt): ${baseUrl}/.well-known/smart-configuration`,
  };
}
