/** What a provider asserts (OIDC claims, SAML attributes), read as the user's fields. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' && value.length <= 500 ? value.trim() : null;
}

/** A provider's groups claim as names: an array of strings, or one string. */
export function groupsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.filter((g): g is string => typeof g === 'string' && g.length > 0 && g.length <= 500).map((g) => g.toLowerCase());
}
