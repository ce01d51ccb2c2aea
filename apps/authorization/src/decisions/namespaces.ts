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
