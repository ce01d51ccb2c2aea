import fc from 'fast-check';
import { covers, coversAll, namespaceAndAncestors, normaliseNamespaces } from '../namespaces';

const segment = fc.stringMatching(/^[a-c]{1,2}$/);
const namespace = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

describe('namespace coverage', () => {
  it('covers itself and dotted descendants, never sibling prefixes', () => {
    expect(covers('a.b', 'a.b')).toBe(true);
    expect(covers('a.b', 'a.b.c')).toBe(true);
    expect(covers('a.b', 'a.bc')).toBe(false);
    expect(covers('a.b', 'a')).toBe(false);
    expect(coversAll(null, ['x'])).toBe(true);
    expect(coversAll(['a'], null)).toBe(false);
    expect(coversAll(['a', 'b.c'], ['a.x', 'b.c'])).toBe(true);
  });

  it('coversAll: everywhere covers everywhere; no prefix covers a namespace outside all of them', () => {
    expect(coversAll(null, null)).toBe(true);
    expect(coversAll(['a', 'b.c'], ['a.x', 'b'])).toBe(false);
    expect(coversAll([], ['a'])).toBe(false);
    expect(coversAll(['a'], [])).toBe(true);
  });
});

describe('normaliseNamespaces', () => {
  it('normalises binding namespaces: sorted, unique, without prefixes already covered', () => {
    expect(normaliseNamespaces(['b', 'a.x', 'a', 'a'])).toEqual(['a', 'b']);
    expect(normaliseNamespaces(['a.bc', 'a.b'])).toEqual(['a.b', 'a.bc']);
    expect(normaliseNamespaces([])).toBeNull();
    expect(normaliseNamespaces(undefined)).toBeNull();
  });

  it('null stays tenant-wide; deep descendants of a kept prefix go, siblings with a shared start stay', () => {
    expect(normaliseNamespaces(null)).toBeNull();
    expect(normaliseNamespaces(['co.team.project.x', 'co.team', 'co.teams', 'co'])).toEqual(['co']);
    expect(normaliseNamespaces(['co.team.project.x', 'co.team', 'co.teams'])).toEqual(['co.team', 'co.teams']);
    expect(normaliseNamespaces(['b.a', 'a.b'])).toEqual(['a.b', 'b.a']);
  });

  it('for any namespaces: covers exactly what the input covers, with no prefix covering another', () => {
    fc.assert(
      fc.property(fc.array(namespace, { minLength: 1, maxLength: 6 }), namespace, (input, probe) => {
        const normalised = normaliseNamespaces(input) as string[];
        expect(normalised).toEqual([...normalised].sort());
        expect(new Set(normalised).size).toBe(normalised.length);
        for (const ns of normalised) expect(normalised.some((other) => other !== ns && covers(other, ns))).toBe(false);
        expect(normalised.some((p) => covers(p, probe))).toBe(input.some((p) => covers(p, probe)));
      }),
    );
  });

  it('lists exactly the binding namespaces that cover a namespace: itself and its dotted ancestors', () => {
    expect(namespaceAndAncestors('a.b.c')).toEqual(['a', 'a.b', 'a.b.c']);
    expect(namespaceAndAncestors('flows')).toEqual(['flows']);
    for (const ns of ['a.b.c', 'a..b', 'x.y']) {
      for (const p of ['a', 'a.', 'a.b', 'a.bc', 'a..b', 'x', 'x.y.z', 'a.b.c']) expect(namespaceAndAncestors(ns).includes(p)).toBe(covers(p, ns));
    }
  });
});
