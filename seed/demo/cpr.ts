/*
 * Danish CPR numbers (ddmmyy + 4 digits). The 7th digit with the year gives the century (CPR office rules);
 * the last digit is odd for men and even for women. Numbers issued since 2007 need not pass the old
 * modulus-11 check, so none is applied.
 */

/** The century a CPR's year and 7th digit stand for, or undefined when the combination is not issued. */
export function cprCentury(yy: number, seventh: number): number | undefined {
  if (seventh <= 3) return 1900;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 : 1900;
  return yy <= 57 ? 2000 : 1800;
}

/** A 7th digit valid for a birth year (1900–2036): 0–3 for the 1900s, 4 for 2000–2036. */
function seventhDigit(year: number, choice: number): number {
  if (year >= 1900 && year <= 1999) return choice % 4;
  if (year >= 2000 && year <= 2036) return 4;
  throw new Error(`No CPR century digit for ${year}`);
}

/**
 * A CPR for a birth date (YYYY-MM-DD) and sex: `serial` (0–99) fills the 8th–9th digits and the 7th digit's
 * choice; the last digit is chosen from `tail` (0–4) with the parity of the sex.
 */
export function makeCpr(birthDate: string, sex: 'male' | 'female', serial: number, tail: number): string {
  const [y, m, d] = birthDate.split('-');
  const year = Number(y);
  const seventh = seventhDigit(year, serial);
  const last = 2 * (tail % 5) + (sex === 'male' ? 1 : 0);
  return `${d}${m}${y.slice(2)}${seventh}${String(serial % 100).padStart(2, '0')}${last}`;
}

/** The birth date a CPR stands for, or undefined when its date part is not a real date. */
export function cprBirthDate(cpr: string): string | undefined {
  if (!/^\d{10}$/.test(cpr)) return undefined;
  const dd = Number(cpr.slice(0, 2));
  const mm = Number(cpr.slice(2, 4));
  const yy = Number(cpr.slice(4, 6));
  const century = cprCentury(yy, Number(cpr[6]));
  if (century === undefined) return undefined;
  const year = century + yy;
  const date = new Date(Date.UTC(year, mm - 1, dd));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== mm - 1 || date.getUTCDate() !== dd) return undefined;
  return date.toISOString().slice(0, 10);
}

/** The sex a CPR stands for: odd last digit male, even female. */
export function cprSex(cpr: string): 'male' | 'female' {
  return Number(cpr[9]) % 2 === 1 ? 'male' : 'female';
}
