import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINES } from '../../workflows/registry.js';
import { diagramPath, renderDiagram } from '../../workflows/tools/diagrams.js';

/* The committed diagrams in docs/workflows/ are the machines as they are now. */

const root = path.resolve(__dirname, '../..');

describe('docs/workflows diagrams', () => {
  for (const def of MACHINES) {
    it(`${def.id} ${def.version} is up to date`, () => {
      const file = diagramPath(root, def);
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      expect(committed, `${path.relative(root, file)} is out of date: run npm run diagrams`).toBe(renderDiagram(def));
    });
  }
  it('shows every state and every event of each machine', () => {
    for (const def of MACHINES) {
      const text = renderDiagram(def);
      for (const event of Object.keys(def.eventSchemas)) expect(text, `${def.id}: ${event}`).toContain(`| \`${event}\` |`);
      expect(text).toContain('stateDiagram-v2');
    }
  });
});
