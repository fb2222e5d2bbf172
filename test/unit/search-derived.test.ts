import type { Observation, SearchParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { findDerived } from '../../src/search/derived-params.js';
import { extractIndex } from '../../src/search/extract.js';
import { indexCodes, indexedParams, typesDeriving, type ParamInfo } from '../../src/search/params.js';

/** A parameter as findDerived sees it: its code, type, members (given directly) and components. */
function param(code: string, type: ParamInfo['type'], members: string[], components?: { expression: string; type: 'token' | 'quantity' }[]): [ParamInfo, string[]] {
  const sp = { resourceType: 'SearchParameter', code, type, component: components?.map((c) => ({ expression: c.expression, definition: `urn:${c.type}` })) } as SearchParameter;
  const info = { code, type, sp, targets: [], evaluate: () => [], components: components?.map((c) => ({ code: c.type, type: c.type, evaluate: () => [] })) } as ParamInfo;
  return [info, members];
}

function derive(...list: [ParamInfo, string[]][]): Record<string, string[]> {
  const members = new Map(list);
  return Object.fromEntries(findDerived([...members.keys()], (p) => members.get(p)!));
}

describe('derived search parameters', () => {
  it('are the unions of other parameters of the same type, spelled out in order', () => {
    expect(derive(param('a', 'token', ['X.a']), param('b', 'token', ['X.b']), param('ab', 'token', ['X.a', 'X.b']))).toEqual({ ab: ['a', 'b'] });
    // Sources of several members each: A | B | C | D from (A | B) and (C | D).
    expect(derive(param('ab', 'quantity', ['A', 'B']), param('cd', 'quantity', ['C', 'D']), param('all', 'quantity', ['A', 'B', 'C', 'D']))).toEqual({ all: ['ab', 'cd'] });
  });

  it('are not derived when a member has no source, the types differ, or the parameter is a date', () => {
    expect(derive(param('a', 'token', ['X.a']), param('ab', 'token', ['X.a', 'X.b']))).toEqual({});
    expect(derive(param('a', 'token', ['X.a']), param('b', 'string', ['X.b']), param('ab', 'token', ['X.a', 'X.b']))).toEqual({});
    expect(derive(param('a', 'date', ['X.a']), param('b', 'date', ['X.b']), param('ab', 'date', ['X.a', 'X.b']))).toEqual({});
  });

  it('composites need the same components', () => {
    const comps = [
      { expression: 'code', type: 'token' as const },
      { expression: 'value.as(Quantity)', type: 'quantity' as const },
    ];
    const other = [comps[0], { expression: 'value.as(Range)', type: 'quantity' as const }];
    expect(derive(param('c1', 'composite', ['O'], comps), param('c2', 'composite', ['O.component'], comps), param('both', 'composite', ['O', 'O.component'], comps))).toEqual({ both: ['c1', 'c2'] });
    expect(derive(param('c1', 'composite', ['O'], comps), param('c2', 'composite', ['O.component'], other), param('both', 'composite', ['O', 'O.component'], comps))).toEqual({});
  });

  it('a derived source gives way to its own sources', () => {
    const derived = derive(param('a', 'token', ['A']), param('b', 'token', ['B']), param('c', 'token', ['C']), param('ab', 'token', ['A', 'B']), param('abc', 'token', ['A', 'B', 'C']));
    expect(derived).toEqual({ ab: ['a', 'b'], abc: ['a', 'b', 'c'] });
  });

  it("in R4: Observation's combo-* parameters, and they are not indexed", () => {
    const combos = indexedParams('Observation').filter((p) => p.code.startsWith('combo-'));
    expect(combos).toEqual([]);
    expect(indexCodes('Observation', 'combo-code')).toEqual(['code', 'component-code']);
    expect(indexCodes('Observation', 'combo-code:text')).toEqual(['code:text', 'component-code:text']);
    expect(indexCodes('Observation', 'combo-value-quantity')).toEqual(['value-quantity', 'component-value-quantity']);
    expect(indexCodes('Observation', 'combo-code-value-quantity')).toEqual(['code-value-quantity', 'component-code-value-quantity']);
    expect(indexCodes('Observation', 'code')).toEqual(['code']);
    expect(typesDeriving('combo-code')).toEqual(['Observation']);
    expect(typesDeriving('code')).toEqual([]);

    const bp: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blodtryk' },
      component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic' }] }, valueQuantity: { value: 150, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }],
    };
    const index = extractIndex(bp);
    const codes = new Set(Object.values(index).flatMap((rows: { code: string }[]) => rows.map((r) => r.code)));
    expect([...codes].filter((c) => c.startsWith('combo-'))).toEqual([]);
    // The sources' rows are there: a search on combo-code finds the component's code through them.
    expect(index.token.filter((r) => r.code === 'component-code').map((r) => r.value)).toEqual(['8480-6']);
  });
});
