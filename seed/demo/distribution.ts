/*
 * How many chronic disease groups people have in Denmark (seed 001, Modul: Multisygdom, 2; DOMAIN.md): people
 * with one to five of the five monitored groups (diabetes, cardiovascular, chronic lung disease, osteoporosis
 * and rheumatoid arthritis, mental illness), 2010. The demo population is drawn from this chronic population,
 * scaled to its size.
 */
export const DANISH_GROUP_COUNTS: Readonly<Record<1 | 2 | 3 | 4 | 5, number>> = {
  1: 895_608,
  2: 304_184,
  3: 78_034,
  4: 13_052,
  5: 1_048,
};

/** The counts scaled to `total` people by largest remainder, so they add up exactly and are reproducible. */
export function scaledCounts(total: number): Record<1 | 2 | 3 | 4 | 5, number> {
  const keys = [1, 2, 3, 4, 5] as const;
  const sum = keys.reduce((s, k) => s + DANISH_GROUP_COUNTS[k], 0);
  const exact = keys.map((k) => (DANISH_GROUP_COUNTS[k] * total) / sum);
  const out = exact.map(Math.floor);
  const order = keys.map((_, i) => i).sort((a, b) => exact[b] - out[b] - (exact[a] - out[a]) || a - b);
  for (let i = 0, left = total - out.reduce((s, n) => s + n, 0); left > 0; i++, left--) out[order[i]]++;
  return { 1: out[0], 2: out[1], 3: out[2], 4: out[3], 5: out[4] };
}
