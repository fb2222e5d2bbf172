/**
 * Deterministic (seeded) generator of FHIR R4 resources for the search conformance suite.
 *
 * Thirty resources of each of the twelve types, with varied values so that every search parameter of
 * those types has a value somewhere in the data set: Danish names and places (Sørensen, Åbenrå,
 * Ærøskøbing, ...), CPR identifiers (urn:oid:1.2.208.176.1.2), ICD-10 codes, dates of every
 * precision (year, month, day, minute, second, millisecond; several time zones), Periods with open
 * ends, Timings, Quantities of several units, references between the generated resources, to the
 * R4 examples, to types that are not loaded, absolute references and canonicals.
 *
 * Nothing here knows how the server indexes; it only produces valid R4 resources.
 */

export type Json = Record<string, any>;

/** mulberry32: a small, fast, seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const N = 30;

export const SYS = {
  cpr: 'urn:oid:1.2.208.176.1.2',
  sor: 'urn:oid:1.2.208.176.1.1',
  autorisation: 'https://autregweb.sst.dk',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
  local: 'http://forlob.example/ids',
  localCodes: 'http://forlob.example/CodeSystem/local',
  tags: 'http://forlob.example/tags',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVer: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  obsCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dataAbsent: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  bcp47: 'urn:ietf:bcp:47',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  usageContext: 'http://terminology.hl7.org/CodeSystem/usage-context-type',
  planDefType: 'http://terminology.hl7.org/CodeSystem/plan-definition-type',
  iso3166: 'urn:iso:std:iso:3166',
  orgType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  specialArrangement: 'http://terminology.hl7.org/CodeSystem/encounter-special-arrangements',
} as const;

const FAMILIES = ['Sørensen', 'Jørgensen', 'Østergaard', 'Bækgaard', 'Aagaard', 'Møller', 'Kjær', 'Hansen', 'Nielsen', 'Søndergaard', 'Ærenlund', 'Åberg', 'Christensen', 'Lindqvist', 'Andersen'];
const GIVENS = ['Søren', 'Mette', 'Jens', 'Åse', 'Kirsten', 'Bjørn', 'Lærke', 'Frederik', 'Asger', 'Ærling', 'Ida', 'Noah', 'Émilie', 'Zoë', 'Oluf'];
const CITIES: [string, string, string][] = [
  ['Åbenrå', '6200', 'Region Syddanmark'],
  ['Aarhus', '8000', 'Region Midtjylland'],
  ['Ærøskøbing', '5970', 'Region Syddanmark'],
  ['Køge', '4600', 'Region Sjælland'],
  ['Næstved', '4700', 'Region Sjælland'],
  ['Odense', '5000', 'Region Syddanmark'],
  ['København', '1050', 'Region Hovedstaden'],
  ['Sønderborg', '6400', 'Region Syddanmark'],
  ['Høje-Taastrup', '2630', 'Region Hovedstaden'],
  ['Aalborg', '9000', 'Region Nordjylland'],
];
const STREETS = ['Storegade', 'Østergade', 'Søndervang', 'Æblehaven', 'Skovvej', 'Bækkevej', 'Ågade'];

export const ICD10: [string, string][] = [
  ['E11.9', 'Type 2-diabetes uden komplikationer'],
  ['I10', 'Essentiel hypertension'],
  ['J44.9', 'Kronisk obstruktiv lungesygdom'],
  ['I50.9', 'Hjertesvigt'],
  ['E66.9', 'Fedme'],
  ['N18.3', 'Kronisk nyresygdom, stadium 3'],
  ['F32.9', 'Depressiv enkeltepisode'],
];
const SNOMED_BODY: [string, string][] = [
  ['368209003', 'Højre overarm'],
  ['80891009', 'Hjerte'],
  ['39607008', 'Lunge'],
  ['64033007', 'Nyre'],
];
const SEVERITY: [string, string][] = [
  ['24484000', 'Severe'],
  ['6736007', 'Moderate'],
  ['255604002', 'Mild'],
];

/** Observation kinds: code, display, value kind, unit (UCUM code and human unit), value range. */
const OBS: { code: string; display: string; unit?: string; human?: string; lo?: number; hi?: number; decimals?: number }[] = [
  { code: '4548-4', display: 'HbA1c', unit: 'mmol/mol', human: 'mmol/mol', lo: 35, hi: 95, decimals: 0 },
  { code: '2339-0', display: 'Glukose', unit: 'mmol/L', human: 'mmol/l', lo: 4, hi: 14, decimals: 1 },
  { code: '29463-7', display: 'Kropsvægt', unit: 'kg', human: 'kilo', lo: 48, hi: 140, decimals: 1 },
  { code: '8302-2', display: 'Højde', unit: 'cm', human: 'cm', lo: 150, hi: 200, decimals: 0 },
  { code: '2160-0', display: 'Kreatinin', unit: 'umol/L', human: 'µmol/l', lo: 50, hi: 180, decimals: 0 },
  { code: '59408-5', display: 'Iltmætning', unit: '%', human: '%', lo: 85, hi: 100, decimals: 2 },
];
const SMOKING: [string, string][] = [
  ['266919005', 'Aldrig ryger'],
  ['8517006', 'Tidligere ryger'],
  ['77176002', 'Ryger'],
];

export class Gen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  float(): number {
    return this.r();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.r() * list.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** A number in [lo, hi] with `decimals` decimals. */
  num(lo: number, hi: number, decimals: number): number {
    const f = 10 ** decimals;
    return Math.round((lo + this.r() * (hi - lo)) * f) / f;
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A date/dateTime of a chosen precision, between `fromYear` and `toYear`. */
export function dateOf(g: Gen, fromYear: number, toYear: number, precision?: number, kind: 'date' | 'dateTime' = 'dateTime'): string {
  const y = g.int(fromYear, toYear);
  const m = g.int(1, 12);
  const d = g.int(1, 28);
  const p = precision ?? g.int(0, kind === 'date' ? 2 : 5);
  if (p === 0) return String(y);
  if (p === 1) return `${y}-${pad(m)}`;
  if (p === 2) return `${y}-${pad(m)}-${pad(d)}`;
  const tz = g.pick(['Z', '+01:00', '+02:00', '-05:00']);
  const hh = pad(g.int(0, 23));
  const mm = pad(g.int(0, 59));
  if (p === 3) return `${y}-${pad(m)}-${pad(d)}T${hh}:${mm}:00${tz}`;
  const ss = pad(g.int(0, 59));
  if (p === 4) return `${y}-${pad(m)}-${pad(d)}T${hh}:${mm}:${ss}${tz}`;
  return `${y}-${pad(m)}-${pad(d)}T${hh}:${mm}:${ss}.${pad(g.int(0, 999), 3)}${tz}`;
}

/** An instant (full precision with time zone). */
function instantOf(g: Gen, fromYear: number, toYear: number): string {
  return dateOf(g, fromYear, toYear, g.pick([4, 5]));
}

/** A Period; sometimes open at one end. */
function periodOf(g: Gen, fromYear: number, toYear: number): Json {
  const a = dateOf(g, fromYear, toYear, g.pick([0, 1, 2, 2, 3, 4]));
  const b = dateOf(g, fromYear, toYear, g.pick([1, 2, 2, 3, 4]));
  const [start, end] = rangeOrder(a, b);
  const open = g.int(0, 5);
  if (open === 0) return { start };
  if (open === 1) return { end };
  return { start, end };
}

/** Order two FHIR dates by their start instant (the later one becomes end). */
function rangeOrder(a: string, b: string): [string, string] {
  const ta = Date.parse(a.length <= 7 ? `${a.length === 4 ? `${a}-01` : a}-01` : a);
  const tb = Date.parse(b.length <= 7 ? `${b.length === 4 ? `${b}-01` : b}-01` : b);
  // Keep end strictly after start even at coarse precision: a year apart at least.
  if (ta <= tb) return Number(a.slice(0, 4)) < Number(b.slice(0, 4)) ? [a, b] : [a, `${Number(a.slice(0, 4)) + 1}${b.slice(4)}`];
  return Number(b.slice(0, 4)) < Number(a.slice(0, 4)) ? [b, a] : [b, `${Number(b.slice(0, 4)) + 1}${a.slice(4)}`];
}

const cc = (system: string, code: string, display?: string, text?: string): Json => ({
  coding: [{ system, code, ...(display ? { display } : {}) }],
  ...(text ? { text } : {}),
});
const ref = (reference: string, display?: string): Json => ({ reference, ...(display ? { display } : {}) });
const genId = (type: string, i: number): string => `gen-${type.toLowerCase()}-${pad(i)}`;
const genRef = (type: string, i: number): Json => ref(`${type}/${genId(type, i % N)}`);

function cpr(g: Gen, birth: string): string {
  const y = birth.slice(2, 4);
  const m = birth.length >= 7 ? birth.slice(5, 7) : pad(g.int(1, 12));
  const d = birth.length >= 10 ? birth.slice(8, 10) : pad(g.int(1, 28));
  return `${d}${m}${y}${pad(g.int(0, 9999), 4)}`;
}

function meta(g: Gen, i: number, type: string): Json | undefined {
  const m: Json = {};
  if (i % 3 === 0) m.tag = [{ system: SYS.tags, code: i % 2 ? 'cohort-a' : 'cohort-b', display: 'Kohorte' }];
  if (i % 4 === 1) m.security = [{ system: SYS.confidentiality, code: g.pick(['N', 'R', 'V']) }];
  if (i % 5 === 2) m.profile = [`http://forlob.example/StructureDefinition/${type.toLowerCase()}-${g.pick(['dk', 'kronisk'])}`];
  if (i % 6 === 3) m.source = `urn:forlob:source:${g.pick(['egen-læge', 'sygehus', 'kommune'])}`;
  return Object.keys(m).length ? m : undefined;
}

function humanName(g: Gen, i: number): Json[] {
  const family = FAMILIES[i % FAMILIES.length];
  const given = [GIVENS[(i * 7) % GIVENS.length]];
  if (g.chance(0.4)) given.push(g.pick(GIVENS));
  const name: Json = { use: 'official', family, given };
  if (i % 7 === 0) name.prefix = ['Dr.'];
  if (i % 11 === 0) name.suffix = ['jr.'];
  if (i % 5 === 0) name.text = `${given.join(' ')} ${family}`;
  const out = [name];
  if (i % 6 === 0) out.push({ use: 'maiden', family: g.pick(FAMILIES), given: [given[0]] });
  return out;
}

function address(g: Gen, i: number): Json[] {
  const [city, postalCode, state] = CITIES[i % CITIES.length];
  const a: Json = {
    use: g.pick(['home', 'home', 'work', 'temp', 'old']),
    line: [`${g.pick(STREETS)} ${g.int(1, 120)}`],
    city,
    postalCode,
    state,
    country: g.pick(['DK', 'Danmark', 'Denmark']),
  };
  if (i % 4 === 0) a.district = g.pick(['Aabenraa Kommune', 'Sønderborg Kommune', 'Aarhus Kommune']);
  return [a];
}

function telecom(g: Gen, i: number, name: string): Json[] {
  const out: Json[] = [{ system: 'phone', value: `+45 ${pad(g.int(20, 99))} ${pad(g.int(0, 99))} ${pad(g.int(0, 99))} ${pad(g.int(0, 99))}`, use: g.pick(['home', 'mobile', 'work']) }];
  if (i % 2 === 0) out.push({ system: 'email', value: `${name.toLowerCase().replace(/[^a-z]/g, '')}${i}@example.dk` });
  if (i % 9 === 0) out.push({ system: 'fax', value: `+45 70 ${pad(i)} 00 00` });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per type
// ---------------------------------------------------------------------------------------------

function patient(g: Gen, i: number): Json {
  const birthDate = dateOf(g, 1925, 2015, g.pick([0, 1, 2, 2, 2]), 'date');
  const p: Json = {
    resourceType: 'Patient',
    id: genId('Patient', i),
    identifier: [{ system: SYS.cpr, value: cpr(g, birthDate) }],
    active: i % 5 !== 4,
    name: humanName(g, i),
    telecom: telecom(g, i, FAMILIES[i % FAMILIES.length]),
    gender: g.pick(['male', 'female', 'female', 'male', 'other', 'unknown']),
    birthDate,
    address: address(g, i),
    communication: [{ language: cc(SYS.bcp47, g.pick(['da', 'da', 'en', 'de']), undefined, 'Sprog') }],
    managingOrganization: genRef('Organization', i % 7),
    generalPractitioner: [i % 3 === 0 ? genRef('Organization', i) : genRef('Practitioner', i)],
  };
  if (i % 10 === 7) p.deceasedDateTime = dateOf(g, 2016, 2024, g.pick([2, 3, 4]));
  else if (i % 10 === 3) p.deceasedBoolean = true;
  else if (i % 10 === 5) p.deceasedBoolean = false;
  if (i % 8 === 0) p.identifier.push({ system: SYS.local, value: `P-${1000 + i}`, type: cc('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR') });
  if (i % 9 === 4) p.link = [{ other: genRef('Patient', i + 1), type: 'seealso' }];
  if (i === 1) p.link = [{ other: ref('Patient/example'), type: 'refer' }];
  return p;
}

function practitioner(g: Gen, i: number): Json {
  return {
    resourceType: 'Practitioner',
    id: genId('Practitioner', i),
    identifier: [{ system: SYS.autorisation, value: `${String.fromCharCode(65 + (i % 26))}${pad(g.int(1000, 9999), 4)}` }],
    active: i % 6 !== 5,
    name: humanName(g, i + 3),
    telecom: telecom(g, i, GIVENS[i % GIVENS.length]),
    address: address(g, i + 2),
    gender: g.pick(['male', 'female', 'unknown']),
    birthDate: dateOf(g, 1950, 1995, 2, 'date'),
    communication: [cc(SYS.bcp47, g.pick(['da', 'en', 'sv']))],
  };
}

function organization(g: Gen, i: number): Json {
  const [city] = CITIES[i % CITIES.length];
  const o: Json = {
    resourceType: 'Organization',
    id: genId('Organization', i),
    identifier: [{ system: SYS.sor, value: String(100000000000000 + i * 7919) }],
    active: i % 7 !== 6,
    type: [cc(SYS.orgType, g.pick(['prov', 'dept', 'govt', 'team']))],
    name: `${g.pick(['Lægehuset', 'Sygehus', 'Sundhedscenter', 'Kommunal hjemmepleje'])} ${city}`,
    telecom: [{ system: 'phone', value: `+45 7${pad(i)} 00 00` }],
    address: address(g, i).map((a) => ({ ...a, use: a.use === 'home' ? 'work' : a.use })),
  };
  if (i % 3 === 0) o.alias = [`${city.slice(0, 3).toUpperCase()}-${i}`, 'Ældreplejen'];
  if (i > 0 && i % 4 !== 0) o.partOf = genRef('Organization', (i % 4) * 4);
  if (i % 5 === 0) o.endpoint = [ref(`Endpoint/ep-${i}`)];
  return o;
}

function condition(g: Gen, i: number): Json {
  const [code, display] = ICD10[i % ICD10.length];
  const c: Json = {
    resourceType: 'Condition',
    id: genId('Condition', i),
    identifier: [{ system: SYS.local, value: `C-${5000 + i}` }],
    category: [cc(SYS.conditionCategory, g.pick(['problem-list-item', 'encounter-diagnosis']))],
    code: { coding: [{ system: SYS.icd10, code, display }], text: display },
    subject: i % 10 === 9 ? ref(`Group/gen-group-${i % 3}`) : genRef('Patient', i),
    recordedDate: dateOf(g, 2015, 2024, g.pick([2, 3, 4, 5])),
  };
  const abated = i % 4 === 1;
  const verification = i % 13 === 12 ? 'refuted' : g.pick(['confirmed', 'provisional', 'unconfirmed', 'confirmed']);
  c.verificationStatus = cc(SYS.conditionVer, verification);
  c.clinicalStatus = cc(SYS.conditionClinical, abated ? g.pick(['resolved', 'inactive', 'remission']) : 'active');
  if (i % 3 !== 2) c.encounter = genRef('Encounter', i);
  if (i % 2 === 0) c.asserter = i % 4 === 0 ? genRef('Practitioner', i) : genRef('Patient', i);
  if (i % 3 === 0) c.bodySite = [cc(SYS.snomed, ...g.pick(SNOMED_BODY))];
  if (i % 4 === 2) c.severity = cc(SYS.snomed, ...g.pick(SEVERITY));
  if (i % 5 === 1) c.stage = [{ summary: cc(SYS.localCodes, g.pick(['stage-1', 'stage-2', 'stage-3'])) }];
  if (i % 6 === 0) {
    c.evidence = [{ code: [cc(SYS.loinc, '4548-4', 'HbA1c')], detail: [genRef('Observation', i)] }];
  }
  switch (i % 5) {
    case 0:
      c.onsetDateTime = dateOf(g, 1990, 2020);
      break;
    case 1:
      c.onsetAge = { value: g.int(20, 85), unit: 'år', system: SYS.ucum, code: 'a' };
      break;
    case 2:
      c.onsetPeriod = periodOf(g, 1995, 2020);
      break;
    case 3:
      c.onsetString = g.pick(['Før årtusindskiftet', 'Barndom', 'Efter fødsel af første barn']);
      break;
    default:
      break;
  }
  if (abated) {
    switch (i % 4 === 1 ? g.int(0, 3) : 4) {
      case 0:
        c.abatementDateTime = dateOf(g, 2020, 2024);
        break;
      case 1:
        c.abatementAge = { value: g.num(40, 90, 1), unit: 'år', system: SYS.ucum, code: 'a' };
        break;
      case 2:
        c.abatementPeriod = periodOf(g, 2020, 2024);
        break;
      case 3:
        c.abatementString = g.pick(['Ophørt efter behandling', 'Ærgerligt tilbagefald', 'I remission']);
        break;
      default:
        break;
    }
  }
  return c;
}

function observation(g: Gen, i: number): Json {
  const o: Json = {
    resourceType: 'Observation',
    id: genId('Observation', i),
    identifier: [{ system: SYS.local, value: `O-${9000 + i}` }],
    status: g.pick(['final', 'final', 'amended', 'preliminary', 'registered']),
    category: [cc(SYS.obsCategory, i % 5 === 0 ? 'social-history' : g.pick(['laboratory', 'vital-signs']))],
    subject: i % 12 === 11 ? ref(`Device/gen-device-${i % 2}`) : genRef('Patient', i),
    encounter: i % 3 === 0 ? undefined : genRef('Encounter', i),
  };
  if (o.encounter === undefined) delete o.encounter;
  // Effective: several precisions, Period, instant.
  switch (i % 4) {
    case 0:
      o.effectivePeriod = periodOf(g, 2018, 2024);
      break;
    case 1:
      o.effectiveInstant = instantOf(g, 2018, 2024);
      break;
    default:
      o.effectiveDateTime = dateOf(g, 2018, 2024);
      break;
  }
  o.issued = instantOf(g, 2018, 2024);
  if (i % 5 === 0) {
    // Smoking status: a CodeableConcept value.
    o.code = cc(SYS.loinc, '72166-2', 'Rygestatus');
    o.valueCodeableConcept = cc(SYS.snomed, ...g.pick(SMOKING), i % 10 === 0 ? 'Røgfri' : undefined);
  } else if (i % 7 === 3) {
    // Blood pressure panel with components.
    o.code = cc(SYS.loinc, '85354-9', 'Blodtryk');
    const sys = g.int(100, 190);
    const dia = g.int(55, 110);
    o.component = [
      { code: cc(SYS.loinc, '8480-6', 'Systolisk'), valueQuantity: { value: sys, unit: 'mmHg', system: SYS.ucum, code: 'mm[Hg]' } },
      i % 2 === 0
        ? { code: cc(SYS.loinc, '8462-4', 'Diastolisk'), dataAbsentReason: cc(SYS.dataAbsent, 'error') }
        : { code: cc(SYS.loinc, '8462-4', 'Diastolisk'), valueQuantity: { value: dia, unit: 'mmHg', system: SYS.ucum, code: 'mm[Hg]' } },
    ];
    if (i % 3 === 0) o.component.push({ code: cc(SYS.localCodes, 'position'), valueCodeableConcept: cc(SYS.snomed, '33586001', 'Siddende') });
  } else if (i % 7 === 4) {
    o.code = cc(SYS.localCodes, 'note', 'Notat');
    o.valueString = g.pick(['Sørger for motion dagligt', 'Åndenød ved trappegang', 'Ingen bemærkninger', 'Ærgerlig over vægtøgning']);
  } else if (i % 7 === 5) {
    o.code = cc(SYS.localCodes, 'last-hospitalisation', 'Seneste indlæggelse');
    if (i % 2 === 0) o.valuePeriod = periodOf(g, 2010, 2024);
    else o.valueDateTime = dateOf(g, 2010, 2024);
  } else if (i % 11 === 6) {
    o.code = cc(SYS.loinc, '4548-4', 'HbA1c');
    o.dataAbsentReason = cc(SYS.dataAbsent, g.pick(['not-performed', 'unknown', 'error']));
  } else {
    const k = OBS[i % OBS.length];
    o.code = { coding: [{ system: SYS.loinc, code: k.code, display: k.display }], text: k.display };
    const q: Json = { value: g.num(k.lo!, k.hi!, k.decimals!), system: SYS.ucum, code: k.unit };
    if (k.human) q.unit = k.human;
    o.valueQuantity = q;
  }
  if (i % 4 === 2) o.method = cc(SYS.snomed, g.pick(['258104002', '702873001']), 'Metode');
  if (i % 6 === 1) o.basedOn = [genRef('ServiceRequest', i)];
  if (i % 8 === 3) o.derivedFrom = [genRef('Observation', i + 1)];
  if (i % 5 === 2) o.device = ref(`Device/gen-device-${i % 2}`);
  if (i % 9 === 2) o.focus = [genRef('Condition', i)];
  if (i % 10 === 6) o.hasMember = [genRef('Observation', i + 2), genRef('Observation', i + 3)];
  if (i % 7 === 6) o.partOf = [ref(`Procedure/gen-procedure-${i % 3}`)];
  if (i % 2 === 1) o.performer = [i % 4 === 1 ? genRef('Practitioner', i) : genRef('Organization', i)];
  if (i % 6 === 4) o.specimen = ref(`Specimen/gen-specimen-${i % 4}`);
  return o;
}

function carePlan(g: Gen, i: number): Json {
  const [code, display] = ICD10[i % ICD10.length];
  const c: Json = {
    resourceType: 'CarePlan',
    id: genId('CarePlan', i),
    identifier: [{ system: SYS.local, value: `CP-${300 + i}` }],
    status: g.pick(['active', 'active', 'completed', 'draft', 'on-hold', 'revoked']),
    intent: g.pick(['plan', 'plan', 'proposal', 'order']),
    category: [cc(SYS.snomed, g.pick(['734163000', '736285004']), 'Forløbsplan')],
    title: `Forløbsplan for ${display}`,
    subject: i % 10 === 9 ? ref(`Group/gen-group-${i % 3}`) : genRef('Patient', i),
    period: periodOf(g, 2019, 2025),
    addresses: [genRef('Condition', i)],
  };
  if (i % 2 === 0) c.encounter = genRef('Encounter', i);
  if (i % 3 === 0) c.careTeam = [genRef('CareTeam', i)];
  if (i % 4 === 0) c.goal = [ref(`Goal/gen-goal-${i % 5}`)];
  if (i % 5 === 0) c.basedOn = [genRef('CarePlan', i + 1)];
  if (i % 5 === 1) c.partOf = [genRef('CarePlan', i + 2)];
  if (i % 6 === 2) c.replaces = [genRef('CarePlan', i + 3)];
  if (i % 3 === 1) c.instantiatesCanonical = [`http://forlob.example/fhir/PlanDefinition/${g.pick(['diabetes', 'kol', 'hjertesvigt'])}${i % 2 ? '|1.0.0' : ''}`];
  if (i % 4 === 3) c.instantiatesUri = [`https://www.sundhed.dk/forloeb/${code.replace('.', '-').toLowerCase()}`];
  const activity: Json[] = [];
  if (i % 2 === 1) activity.push({ reference: genRef('ServiceRequest', i) });
  const detail: Json = {
    status: g.pick(['scheduled', 'in-progress', 'completed', 'not-started']),
    code: cc(SYS.snomed, g.pick(['229065009', '183057004', '311791003']), 'Aktivitet'),
  };
  switch (i % 3) {
    case 0:
      detail.scheduledPeriod = periodOf(g, 2020, 2025);
      break;
    case 1:
      detail.scheduledTiming = i % 2
        ? { event: [dateOf(g, 2021, 2023, 2), dateOf(g, 2021, 2023, 2)].sort() }
        : { repeat: { boundsPeriod: { start: dateOf(g, 2021, 2022, 2), end: dateOf(g, 2023, 2024, 2) }, frequency: 1, period: 1, periodUnit: 'wk' } };
      break;
    default:
      detail.scheduledString = 'Hver anden uge';
      break;
  }
  if (i % 2 === 0) detail.performer = [i % 4 === 0 ? genRef('Practitioner', i) : genRef('Organization', i)];
  activity.push({ detail });
  c.activity = activity;
  return c;
}

function careTeam(g: Gen, i: number): Json {
  const t: Json = {
    resourceType: 'CareTeam',
    id: genId('CareTeam', i),
    identifier: [{ system: SYS.local, value: `CT-${700 + i}` }],
    status: g.pick(['proposed', 'active', 'active', 'suspended', 'inactive']),
    category: [cc(SYS.loinc, g.pick(['LA27976-2', 'LA28865-6', 'LA27978-8']), 'Team')],
    name: `Team ${CITIES[i % CITIES.length][0]}`,
    subject: i % 10 === 9 ? ref(`Group/gen-group-${i % 3}`) : genRef('Patient', i),
    participant: [{ member: genRef('Practitioner', i) }, { member: i % 2 ? genRef('Organization', i) : genRef('Patient', i) }],
  };
  if (i % 2 === 0) t.encounter = genRef('Encounter', i);
  if (i % 3 !== 2) t.period = periodOf(g, 2018, 2025);
  return t;
}

function episodeOfCare(g: Gen, i: number): Json {
  const e: Json = {
    resourceType: 'EpisodeOfCare',
    id: genId('EpisodeOfCare', i),
    identifier: [{ system: SYS.local, value: `EOC-${800 + i}` }],
    status: g.pick(['planned', 'waitlist', 'active', 'active', 'onhold', 'finished', 'cancelled']),
    type: [cc(SYS.localCodes, g.pick(['diabetes-forloeb', 'kol-forloeb', 'hjerte-forloeb']), 'Forløbstype')],
    patient: genRef('Patient', i),
    managingOrganization: genRef('Organization', i),
    period: periodOf(g, 2017, 2025),
  };
  if (i % 2 === 0) e.diagnosis = [{ condition: genRef('Condition', i), rank: 1 }];
  if (i % 3 === 0) e.referralRequest = [genRef('ServiceRequest', i)];
  if (i % 3 !== 2) e.careManager = i % 5 === 4 ? ref(`PractitionerRole/gen-role-${i % 2}`) : genRef('Practitioner', i);
  if (i % 4 === 1) e.team = [genRef('CareTeam', i)];
  return e;
}

function task(g: Gen, i: number): Json {
  const t: Json = {
    resourceType: 'Task',
    id: genId('Task', i),
    identifier: [{ system: SYS.local, value: `T-${400 + i}` }],
    status: g.pick(['requested', 'accepted', 'in-progress', 'completed', 'cancelled', 'ready']),
    intent: g.pick(['order', 'plan', 'proposal']),
    priority: g.pick(['routine', 'urgent', 'asap', 'stat']),
    code: cc(SYS.localCodes, g.pick(['kontrol', 'blodprøve', 'opfølgning']), 'Opgave'),
    for: i % 10 === 9 ? ref(`Group/gen-group-${i % 3}`) : genRef('Patient', i),
    authoredOn: dateOf(g, 2021, 2022, g.pick([3, 4, 5])),
    lastModified: dateOf(g, 2023, 2025, g.pick([3, 4, 5])),
  };
  if (i % 2 === 0) t.businessStatus = { text: g.pick(['Afventer svar', 'Booket']), coding: [{ system: SYS.localCodes, code: g.pick(['awaiting', 'booked']) }] };
  if (i % 3 === 0) t.basedOn = [genRef('CarePlan', i)];
  if (i % 3 === 1) t.encounter = genRef('Encounter', i);
  if (i % 2 === 1) t.focus = genRef('ServiceRequest', i);
  if (i % 4 === 0) t.groupIdentifier = { system: SYS.local, value: `TG-${i % 3}` };
  if (i % 2 === 0) t.owner = i % 4 === 0 ? genRef('Practitioner', i) : genRef('Organization', i);
  if (i % 5 === 3) t.partOf = [genRef('Task', i + 1)];
  if (i % 3 === 2) t.performerType = [cc(SYS.localCodes, g.pick(['sygeplejerske', 'læge', 'diætist']))];
  if (i % 3 !== 1) t.executionPeriod = periodOf(g, 2021, 2025);
  if (i % 2 === 0) t.requester = genRef('Practitioner', i + 1);
  return t;
}

function serviceRequest(g: Gen, i: number): Json {
  const s: Json = {
    resourceType: 'ServiceRequest',
    id: genId('ServiceRequest', i),
    identifier: [{ system: SYS.local, value: `SR-${200 + i}` }],
    status: g.pick(['draft', 'active', 'active', 'completed', 'revoked', 'on-hold']),
    intent: g.pick(['order', 'plan', 'proposal', 'original-order']),
    priority: g.pick(['routine', 'urgent', 'asap']),
    category: [cc(SYS.snomed, g.pick(['108252007', '363679005', '409063005']), 'Kategori')],
    code: cc(SYS.snomed, g.pick(['396550006', '268556000', '252416005', '33747000']), 'Ydelse'),
    subject: i % 10 === 9 ? ref(`Location/gen-location-${i % 2}`) : genRef('Patient', i),
    authoredOn: dateOf(g, 2020, 2025, g.pick([2, 3, 4, 5])),
    requester: genRef('Practitioner', i),
  };
  if (i % 2 === 0) s.encounter = genRef('Encounter', i);
  if (i % 3 === 0) s.basedOn = [genRef('CarePlan', i)];
  if (i % 4 === 0) s.bodySite = [cc(SYS.snomed, ...g.pick(SNOMED_BODY))];
  if (i % 5 === 0) s.instantiatesCanonical = [`http://forlob.example/fhir/ActivityDefinition/${g.pick(['hba1c', 'fodundersoegelse'])}`];
  if (i % 5 === 1) s.instantiatesUri = [`https://www.sundhed.dk/ydelse/${i % 3}`];
  switch (i % 3) {
    case 0:
      s.occurrenceDateTime = dateOf(g, 2022, 2025);
      break;
    case 1:
      s.occurrencePeriod = periodOf(g, 2022, 2025);
      break;
    default:
      s.occurrenceTiming = i % 2
        ? { event: [dateOf(g, 2022, 2024, 2), dateOf(g, 2022, 2024, 2)].sort() }
        : { repeat: { boundsPeriod: { start: dateOf(g, 2022, 2023, 2) }, frequency: 1, period: 3, periodUnit: 'mo' } };
      break;
  }
  if (i % 3 === 1) s.orderDetail = [{ text: g.pick(['Fastende', 'Ikke fastende', 'Ædru']) }, { coding: [{ system: SYS.localCodes, code: 'x' }] }];
  if (i % 2 === 1) s.performer = [i % 4 === 1 ? genRef('Practitioner', i) : genRef('Organization', i)];
  if (i % 3 === 2) s.performerType = cc(SYS.snomed, g.pick(['224535009', '309343006']), 'Udfører');
  if (i % 7 === 3) s.replaces = [genRef('ServiceRequest', i + 1)];
  if (i % 4 === 1) s.requisition = { system: SYS.local, value: `REQ-${i % 5}` };
  if (i % 6 === 0) s.specimen = [ref(`Specimen/gen-specimen-${i % 4}`)];
  return s;
}

function planDefinition(g: Gen, i: number): Json {
  const [code, display] = ICD10[i % ICD10.length];
  const p: Json = {
    resourceType: 'PlanDefinition',
    id: genId('PlanDefinition', i),
    url: `http://forlob.example/fhir/PlanDefinition/gen-${i}`,
    identifier: [{ system: SYS.local, value: `PD-${i}` }],
    version: `${1 + (i % 3)}.${i % 4}.0`,
    name: `Forloeb${code.replace('.', '')}V${i}`,
    title: `Forløbsprogram for ${display}`,
    type: cc(SYS.planDefType, g.pick(['clinical-protocol', 'workflow-definition', 'order-set', 'eca-rule'])),
    status: g.pick(['draft', 'active', 'active', 'retired']),
    date: dateOf(g, 2015, 2024, g.pick([2, 3, 4])),
    publisher: g.pick(['Sundhedsstyrelsen', 'Region Syddanmark', 'Øresundsregionen']),
    description: `Beskrivelse: ${display} — ${g.pick(['årlig kontrol', 'Ældre borgere', 'Opfølgning'])}`,
    jurisdiction: [cc(SYS.iso3166, g.pick(['DK', 'DK', 'SE']))],
    topic: [cc(SYS.icd10, code, display)],
  };
  if (i % 2 === 0) p.effectivePeriod = periodOf(g, 2015, 2026);
  const uc: Json[] = [];
  if (i % 3 === 0) uc.push({ code: { system: SYS.usageContext, code: 'focus' }, valueCodeableConcept: cc(SYS.icd10, code, display) });
  if (i % 3 === 1) uc.push({ code: { system: SYS.usageContext, code: 'age' }, valueQuantity: { value: g.int(18, 80), unit: 'år', system: SYS.ucum, code: 'a' } });
  if (i % 3 === 2) uc.push({ code: { system: SYS.usageContext, code: 'age' }, valueRange: { low: { value: 18, unit: 'år', system: SYS.ucum, code: 'a' }, high: { value: 65, unit: 'år', system: SYS.ucum, code: 'a' } } });
  if (i % 4 === 0) uc.push({ code: { system: SYS.usageContext, code: 'venue' }, valueCodeableConcept: cc(SYS.actCode, 'AMB') });
  if (uc.length) p.useContext = uc;
  const ra: Json[] = [];
  if (i % 3 === 0) ra.push({ type: 'composed-of', resource: `http://forlob.example/fhir/PlanDefinition/gen-${i + 1}` });
  if (i % 4 === 1) ra.push({ type: 'depends-on', resource: `http://forlob.example/fhir/Library/lib-${i % 3}` });
  if (i % 5 === 2) ra.push({ type: 'derived-from', resource: `http://forlob.example/fhir/PlanDefinition/gen-${i - 1}|1.0.0` });
  if (i % 6 === 3) ra.push({ type: 'predecessor', resource: `http://forlob.example/fhir/PlanDefinition/gen-${i - 2}` });
  if (i % 7 === 4) ra.push({ type: 'successor', resource: `http://forlob.example/fhir/PlanDefinition/gen-${i + 2}` });
  if (i % 4 === 2) ra.push({ type: 'citation', citation: 'Sundhedsstyrelsen 2020' });
  if (ra.length) p.relatedArtifact = ra;
  if (i % 4 === 3) p.library = [`http://forlob.example/fhir/Library/lib-${i % 2}`];
  const actions: Json[] = [{ title: 'Kontrol', definitionCanonical: `http://forlob.example/fhir/ActivityDefinition/${g.pick(['hba1c', 'fodundersoegelse', 'oejenundersoegelse'])}` }];
  if (i % 2 === 0) actions.push({ title: 'Undervisning', definitionUri: `https://www.sundhed.dk/undervisning/${i % 3}` });
  p.action = actions;
  return p;
}

function encounter(g: Gen, i: number): Json {
  const e: Json = {
    resourceType: 'Encounter',
    id: genId('Encounter', i),
    identifier: [{ system: SYS.local, value: `E-${600 + i}` }],
    status: g.pick(['planned', 'arrived', 'in-progress', 'finished', 'finished', 'cancelled']),
    class: { system: SYS.actCode, code: g.pick(['AMB', 'AMB', 'IMP', 'HH', 'VR']) },
    type: [cc(SYS.snomed, g.pick(['185349003', '390906007', '270427003']), 'Konsultation')],
    subject: i % 10 === 9 ? ref(`Group/gen-group-${i % 3}`) : genRef('Patient', i),
    period: periodOf(g, 2018, 2025),
    serviceProvider: genRef('Organization', i),
  };
  if (i % 4 === 0) e.account = [ref(`Account/gen-account-${i % 3}`)];
  if (i % 5 === 0) e.appointment = [ref(`Appointment/gen-appointment-${i % 4}`)];
  if (i % 3 === 0) e.basedOn = [genRef('ServiceRequest', i)];
  if (i % 2 === 0) e.diagnosis = [{ condition: genRef('Condition', i) }];
  if (i % 3 === 1) e.episodeOfCare = [genRef('EpisodeOfCare', i)];
  if (i % 3 !== 2) {
    e.length = { value: g.pick([15, 20, 30, 45, 60, 90, 1.5, 2.25]), unit: 'min', system: SYS.ucum, code: 'min' };
    if (e.length.value < 5) e.length = { value: e.length.value, unit: 'timer', system: SYS.ucum, code: 'h' };
  }
  if (i % 2 === 1) e.location = [{ location: ref(`Location/gen-location-${i % 2}`), period: periodOf(g, 2018, 2025) }];
  if (i % 7 === 3) e.partOf = genRef('Encounter', i + 1);
  const participants: Json[] = [];
  if (i % 2 === 0) participants.push({ type: [cc(SYS.participationType, g.pick(['PPRF', 'ATND', 'CON']))], individual: genRef('Practitioner', i) });
  if (i % 5 === 1) participants.push({ individual: ref(`RelatedPerson/gen-related-${i % 2}`) });
  if (participants.length) e.participant = participants;
  if (i % 2 === 1) e.reasonCode = [cc(SYS.icd10, ...ICD10[i % ICD10.length])];
  if (i % 3 === 0) e.reasonReference = [genRef('Condition', i)];
  if (i % 4 === 2) e.hospitalization = { specialArrangement: [cc(SYS.specialArrangement, g.pick(['wheel', 'int', 'att']))] };
  return e;
}

const FACTORIES: Record<string, (g: Gen, i: number) => Json> = {
  Patient: patient,
  Practitioner: practitioner,
  Organization: organization,
  Condition: condition,
  Observation: observation,
  CarePlan: carePlan,
  CareTeam: careTeam,
  EpisodeOfCare: episodeOfCare,
  Task: task,
  ServiceRequest: serviceRequest,
  PlanDefinition: planDefinition,
  Encounter: encounter,
};

export const TYPES = Object.keys(FACTORIES);

/** The generated data set: N resources of each type, the same for the same seed. */
export function generate(seed = 20240601): Json[] {
  const out: Json[] = [];
  for (const type of TYPES) {
    const g = new Gen(seed ^ hash(type));
    for (let i = 0; i < N; i++) {
      const r = FACTORIES[type](g, i);
      const m = meta(g, i, type);
      if (m) r.meta = m;
      out.push(r);
    }
  }
  return out;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
