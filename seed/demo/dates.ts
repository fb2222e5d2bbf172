/** A FHIR dateTime `daysAgo` days before `reference` (YYYY-MM-DD) at a fixed hour and minute (UTC): deterministic. */
export function daysBefore(reference: string, daysAgo: number, hour = 9, minute = 0): string {
  const ms = Date.parse(`${reference}T00:00:00Z`) - daysAgo * 86_400_000 + (hour * 60 + minute) * 60_000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
