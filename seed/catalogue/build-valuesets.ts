import type { ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { CATALOGUE_DATE, PUBLISHER, SYSTEM, VERSION, url } from './names.js';
import { sourcesMarkdown, type Source } from './sources.js';
import type { DiagnosisCodes } from './types.js';

/*
 * Inclusion and exclusion ValueSets of a diagnosis-based programme: one include per code and system, each an
 * `is-a` filter (filters within one include are ANDed, so codes never share one). ICD-10 appears twice, as WHO
 * writes it and as SKS does (`D` prefix, no dot); ICPC-2 as Danish general practice writes it.
 */

/** ICD-10 as SKS writes it: `E11.9` → `DE119`. */
export function sksCode(icd10: string): string {
  return `D${icd10.replace('.', '').toUpperCase()}`;
}

/** The ICD-10 categories `letter` + from..to, e.g. range('I', 20, 25) → I20, I21, …, I25. */
export function range(letter: string, from: number, to: number, skip: number[] = []): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) if (!skip.includes(n)) out.push(`${letter}${String(n).padStart(2, '0')}`);
  return out;
}

function isA(system: string, code: string): ValueSetComposeInclude {
  return { system, filter: [{ property: 'concept', op: 'is-a', value: code }] };
}

export function diagnosisValueSet(options: {
  id: string;
  title: string;
  description: string;
  codes: DiagnosisCodes;
  sources: Source[];
}): ValueSet {
  const { icd10, icpc2 } = options.codes;
  return {
    resourceType: 'ValueSet',
    id: options.id,
    url: url.valueSet(options.id),
    version: VERSION,
    name: pascal(options.id),
    title: options.title,
    status: 'active',
    date: CATALOGUE_DATE,
    publisher: PUBLISHER,
    description: `${options.description}\n\n${sourcesMarkdown(options.sources)}`,
    compose: {
      include: [
        ...icd10.map((c) => isA(SYSTEM.icd10, c)),
        ...icd10.map((c) => isA(SYSTEM.sks, sksCode(c))),
        ...icpc2.map((c) => isA(SYSTEM.icpc2, c)),
      ],
    },
  };
}

/** `diabetes-type-2-inclusion` → `DiabetesType2Inclusion` (a computable name). */
export function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
