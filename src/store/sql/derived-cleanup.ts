// One migration of both backends (sqlite/schema.ts 9, postgres/schema.ts 5): the index rows of R4 Observation's
// combo-* parameters, which became derived (search/derived-params.ts) and are searched through their sources'.

const CODES = [
  'combo-code',
  'combo-code:text',
  'combo-data-absent-reason',
  'combo-data-absent-reason:text',
  'combo-value-concept',
  'combo-value-concept:text',
  'combo-value-quantity',
  'combo-code-value-concept',
  'combo-code-value-quantity',
];
const PIDS = `SELECT pid FROM search_param WHERE type = 'Observation' AND code IN (${CODES.map((c) => `'${c}'`).join(', ')})`;

export const DERIVED_CLEANUP = ['token', 'string', 'quantity', 'composite'].map((t) => `DELETE FROM idx_${t} WHERE pid IN (${PIDS});`).join('\n  ');
