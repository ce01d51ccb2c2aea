/** Dotted namespaces (`company.team.project`) as bindings limit them and decisions match them. */

/** `a.b` covers `a.b` and every `a.b.*`, never `a.bc` (dot boundary). */
export function covers(prefix: string, namespace: string): boolean {
  return namespace === prefix || (namespace.length > prefix.length && namespace.startsWith(prefix) && namespace[prefix.length] === '.');
}

/** Whether any of `prefixes` (null = everywhere) covers every namespace of `wanted` (null = everywhere). */
export function coversAll(prefixes: string[] | null, wanted: string[] | null): boolean {
  if (prefixes === null) return true;
  if (wanted === null) return false;
  return wanted.every((ns) => prefixes.some((p) => covers(p, ns)));
}

/** Sorted, without duplicates and without prefixes already covered by a shorter one; null = tenant-wide. */
export function normaliseNamespaces(namespaces: string[] | null | undefined): string[] | null {
  if (!namespaces || namespaces.length === 0) return null;
  const sorted = [...new Set(namespaces)].sort();
  return sorted.filter((ns) => !sorted.some((other) => other !== ns && ns.startsWith(`${other}.`)));
}

/** The namespace and every prefix of it ending before a dot: the binding namespaces that cover it (`covers`). */
export function namespaceAndAncestors(namespace: string): string[] {
  const prefixes = [...namespace].flatMap((c, i) => (c === '.' ? [namespace.slice(0, i)] : []));
  return [...prefixes, namespace];
}
