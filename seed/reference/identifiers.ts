import type { Coding, Identifier } from '@medplum/fhirtypes';

/*
 * Identifier systems (DK-core) and the synthetic numbers of the seed. The numbers are well formed but not real:
 * SOR ids are 15 digits starting with 9 and a two-digit kind (DK-core requires at least 11 digits); ydernumre
 * are 6 digits starting with 99; authorisation ids are 5 characters from consonants and digits, starting ZZ.
 * Every seeded resource also carries the security label HTEST (test health data).
 */

export const IDENTIFIER_SYSTEM = {
  sor: 'urn:oid:1.2.208.176.1.1',
  cpr: 'urn:oid:1.2.208.176.1.2',
  ydernummer: 'urn:oid:1.2.208.176.1.4',
  authorisation: 'https://autregweb.sst.dk',
} as const;

export const SYNTHETIC: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };

const SOR_KIND = { region: '10', municipality: '20', municipalUnit: '21', hospital: '30', department: '31', practice: '40' } as const;
export type SorKind = keyof typeof SOR_KIND;

/** A synthetic SOR identifier: 9, the kind, and a 12-digit sequence number. */
export function sor(kind: SorKind, n: number): Identifier {
  return { use: 'official', system: IDENTIFIER_SYSTEM.sor, value: `9${SOR_KIND[kind]}${String(n).padStart(12, '0')}` };
}

export function ydernummer(value: string): Identifier {
  return { use: 'official', system: IDENTIFIER_SYSTEM.ydernummer, value };
}

/** A synthetic authorisation id: ZZ and three digits. */
export function authorisation(n: number): Identifier {
  return { use: 'official', system: IDENTIFIER_SYSTEM.authorisation, value: `ZZ${String(n).padStart(3, '0')}` };
}
