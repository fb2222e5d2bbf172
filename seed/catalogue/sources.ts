import type { RelatedArtifact } from '@medplum/fhirtypes';

/*
 * The documents every catalogue value is traced to. The seed documents are the Danish source texts in
 * ../shared/seeds/ (DOMAIN.md digests them); a citation names the file, the section, and what was taken from
 * it. A value that no source gives is an assumption and is cited as one, saying why it was chosen.
 */

export const SEED_DOCUMENTS = {
  '000': {
    file: '000_bfafab1b07a7f5c3.txt',
    title: 'Sundhedsstyrelsen: Status på forløbsprogrammer i Danmark medio 2012 (notat, 21.11.2012)',
  },
  '001': {
    file: '001_a851d2eae2d18e27.txt',
    title: 'Sundhedsstyrelsen: Forløbsprogrammer for kronisk sygdom – den generiske model, version 2.0 (12.12.2012)',
  },
  '002': {
    file: '002_3ab1c009a9fd2b41.txt',
    title: 'Implement Consulting Group for Sundhedsstyrelsen: Forløbskoordinering i regioner og kommuner – indsamling af erfaringer (28.09.2011)',
  },
  '003': {
    file: '003_461ea68c1c5302a3.txt',
    title: 'KL og Danske Regioner: Rammepapir om fælles forløbskoordinatorfunktioner til særligt svækkede ældre medicinske patienter (18.12.2012)',
  },
  '004': {
    file: '004_05a8f8e88fdb32c0.txt',
    title: 'Ishøj og Vallensbæk Kommuner, Træning og Rehabilitering: Orientering om udviklingsarbejdet omkring forløbsprogrammer for kronisk syge',
  },
} as const;

export type SeedDocument = keyof typeof SEED_DOCUMENTS;

/** The project's English digest of the seed documents, whose code table the diagnosis lists start from. */
export const DOMAIN_DIGEST = { file: 'DOMAIN.md', title: 'Forløb domain digest, "Reference content for the catalogue"' } as const;

/** A source for one value: a seed document and section, the domain digest, or an assumption. */
export type Source =
  | { doc: SeedDocument; section: string; note: string }
  | { digest: true; note: string }
  | { assumption: string };

export const seed = (doc: SeedDocument, section: string, note: string): Source => ({ doc, section, note });
export const digest = (note: string): Source => ({ digest: true, note });
export const assumption = (why: string): Source => ({ assumption: why });

/** Prefix of the display of an assumption, so clients (and tests) can tell it from a citation. */
export const ASSUMPTION = 'Assumption';

/** One source as a RelatedArtifact (PlanDefinition.relatedArtifact, action.documentation, goal.documentation). */
export function relatedArtifact(source: Source): RelatedArtifact {
  if ('assumption' in source) {
    return { type: 'documentation', label: 'assumption', display: `${ASSUMPTION}: ${source.assumption}` };
  }
  if ('digest' in source) {
    return { type: 'documentation', label: DOMAIN_DIGEST.file, display: DOMAIN_DIGEST.title, citation: `${DOMAIN_DIGEST.title} (${DOMAIN_DIGEST.file}): ${source.note}` };
  }
  const doc = SEED_DOCUMENTS[source.doc];
  return {
    type: 'citation',
    label: `seed ${source.doc} ${source.section}`,
    display: doc.title,
    citation: `${doc.title}, ${source.section} (seeds/${doc.file}): ${source.note}`,
  };
}

/** Markdown lines for a description: "Sources" and "Assumptions" sections. */
export function sourcesMarkdown(sources: Source[]): string {
  const cited = sources.filter((s) => !('assumption' in s)).map((s) => `- ${relatedArtifact(s).citation}`);
  const assumed = sources.flatMap((s) => ('assumption' in s ? [`- ${s.assumption}`] : []));
  const parts: string[] = [];
  if (cited.length) parts.push(`Sources:\n${[...new Set(cited)].join('\n')}`);
  if (assumed.length) parts.push(`Assumptions (values no source gives):\n${[...new Set(assumed)].join('\n')}`);
  return parts.join('\n\n');
}
