/*
 * The reference organisations as data: the five regions, twelve municipalities, hospitals with departments.
 * Region and municipality codes are DK-core's (ISO 3166-2:DK subdivision codes; the four-digit municipality
 * codes). Hospital and department names are plausible Danish names; their SOR numbers (sor.ts) are synthetic.
 */

export type RegionCode = 'DK-81' | 'DK-82' | 'DK-83' | 'DK-84' | 'DK-85';

export interface RegionData {
  id: string;
  code: RegionCode;
  name: string;
  city: string;
}

export const REGIONS: readonly RegionData[] = [
  { id: 'region-nordjylland', code: 'DK-81', name: 'Region Nordjylland', city: 'Aalborg' },
  { id: 'region-midtjylland', code: 'DK-82', name: 'Region Midtjylland', city: 'Viborg' },
  { id: 'region-syddanmark', code: 'DK-83', name: 'Region Syddanmark', city: 'Vejle' },
  { id: 'region-hovedstaden', code: 'DK-84', name: 'Region Hovedstaden', city: 'Hillerød' },
  { id: 'region-sjaelland', code: 'DK-85', name: 'Region Sjælland', city: 'Sorø' },
];

export interface MunicipalityData {
  /** The four-digit DK-core municipality code. */
  code: string;
  name: string;
  /** ASCII form of the name, for resource ids. */
  key: string;
  region: RegionCode;
  postalCode: string;
  /** Relative population weight for the demo (rounded inhabitants in thousands). */
  weight: number;
}

export const MUNICIPALITIES: readonly MunicipalityData[] = [
  { code: '0101', name: 'København', key: 'kobenhavn', region: 'DK-84', postalCode: '2300', weight: 650 },
  { code: '0183', name: 'Ishøj', key: 'ishoj', region: 'DK-84', postalCode: '2635', weight: 23 },
  { code: '0187', name: 'Vallensbæk', key: 'vallensbaek', region: 'DK-84', postalCode: '2625', weight: 17 },
  { code: '0265', name: 'Roskilde', key: 'roskilde', region: 'DK-85', postalCode: '4000', weight: 90 },
  { code: '0370', name: 'Næstved', key: 'naestved', region: 'DK-85', postalCode: '4700', weight: 84 },
  { code: '0461', name: 'Odense', key: 'odense', region: 'DK-83', postalCode: '5000', weight: 207 },
  { code: '0561', name: 'Esbjerg', key: 'esbjerg', region: 'DK-83', postalCode: '6700', weight: 116 },
  { code: '0630', name: 'Vejle', key: 'vejle', region: 'DK-83', postalCode: '7100', weight: 121 },
  { code: '0740', name: 'Silkeborg', key: 'silkeborg', region: 'DK-82', postalCode: '8600', weight: 98 },
  { code: '0751', name: 'Aarhus', key: 'aarhus', region: 'DK-82', postalCode: '8000', weight: 370 },
  { code: '0851', name: 'Aalborg', key: 'aalborg', region: 'DK-81', postalCode: '9000', weight: 222 },
  { code: '0860', name: 'Hjørring', key: 'hjorring', region: 'DK-81', postalCode: '9800', weight: 64 },
];

export interface HospitalData {
  id: string;
  name: string;
  region: RegionCode;
  city: string;
  /** DK-core municipality code of the hospital's address. */
  municipality: string;
  departments: { key: string; name: string }[];
}

export const HOSPITALS: readonly HospitalData[] = [
  {
    id: 'hospital-amager-hvidovre',
    name: 'Amager og Hvidovre Hospital',
    region: 'DK-84',
    city: 'Hvidovre',
    municipality: '0167',
    departments: [
      { key: 'medicin', name: 'Medicinsk afdeling (geriatri)' },
      { key: 'endokrinologi', name: 'Endokrinologisk afdeling, diabetesambulatoriet' },
      { key: 'kardiologi', name: 'Hjertemedicinsk afdeling' },
      { key: 'lunge', name: 'Lungemedicinsk afdeling' },
    ],
  },
  {
    id: 'hospital-rigshospitalet',
    name: 'Rigshospitalet',
    region: 'DK-84',
    city: 'København',
    municipality: '0101',
    departments: [
      { key: 'onkologi', name: 'Onkologisk klinik' },
      { key: 'neurologi', name: 'Neurologisk klinik, neurorehabilitering' },
      { key: 'hukommelse', name: 'Nationalt Videnscenter for Demens, hukommelsesklinikken' },
    ],
  },
  {
    id: 'hospital-psykiatrisk-center-glostrup',
    name: 'Psykiatrisk Center Glostrup',
    region: 'DK-84',
    city: 'Glostrup',
    municipality: '0161',
    departments: [
      { key: 'distrikt', name: 'Distriktspsykiatrien' },
      { key: 'ambulatorium', name: 'Ambulatorium for depression og angst' },
    ],
  },
  {
    id: 'hospital-aarhus-universitetshospital',
    name: 'Aarhus Universitetshospital',
    region: 'DK-82',
    city: 'Aarhus',
    municipality: '0751',
    departments: [
      { key: 'diabetes', name: 'Steno Diabetes Center Aarhus' },
      { key: 'hjerte', name: 'Hjertesygdomme' },
      { key: 'lunge', name: 'Lungesygdomme' },
      { key: 'onkologi', name: 'Kræft og Onkologi' },
    ],
  },
  {
    id: 'hospital-aalborg-universitetshospital',
    name: 'Aalborg Universitetshospital',
    region: 'DK-81',
    city: 'Aalborg',
    municipality: '0851',
    departments: [
      { key: 'geriatri', name: 'Geriatrisk afdeling' },
      { key: 'neurologi', name: 'Neurologisk afdeling' },
      { key: 'onkologi', name: 'Onkologisk afdeling' },
    ],
  },
  {
    id: 'hospital-regionshospital-nordjylland',
    name: 'Regionshospital Nordjylland',
    region: 'DK-81',
    city: 'Hjørring',
    municipality: '0860',
    departments: [
      { key: 'medicin', name: 'Medicinsk afdeling' },
      { key: 'kardiologi', name: 'Kardiologisk ambulatorium' },
    ],
  },
  {
    id: 'hospital-odense-universitetshospital',
    name: 'Odense Universitetshospital',
    region: 'DK-83',
    city: 'Odense',
    municipality: '0461',
    departments: [
      { key: 'endokrinologi', name: 'Endokrinologisk afdeling M' },
      { key: 'hjerte', name: 'Hjertemedicinsk afdeling B' },
      { key: 'lunge', name: 'Lungemedicinsk afdeling J' },
      { key: 'hukommelse', name: 'Hukommelsesklinikken' },
    ],
  },
  {
    id: 'hospital-sjaellands-universitetshospital',
    name: 'Sjællands Universitetshospital',
    region: 'DK-85',
    city: 'Roskilde',
    municipality: '0265',
    departments: [
      { key: 'medicin', name: 'Medicinsk afdeling' },
      { key: 'neurologi', name: 'Neurologisk afdeling' },
      { key: 'onkologi', name: 'Klinisk Onkologi og Palliative Enheder' },
    ],
  },
];

/** A municipal unit the seed documents name: Ishøj and Vallensbæk run their programmes together (seed 004). */
export const MUNICIPAL_UNITS = [
  { id: 'ishoj-vallensbaek-traening-rehabilitering', name: 'Træning og Rehabilitering, Ishøj og Vallensbæk Kommuner', municipality: '0183' },
] as const;
