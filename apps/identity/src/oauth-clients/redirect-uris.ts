import { FieldError } from '@gatehouse/contracts';

/** Hosts where a plain-http redirect URI is allowed (a native app or a developer's machine). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a redirect (or post-logout redirect) URI cannot be registered, or null when it can: an absolute
 * https URL, or http on localhost/127.0.0.1/[::1]; no fragment, no user info. The URI is stored as sent
 * and matched exactly (character for character) by the provider, so it is not normalised here.
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.trim() !== uri || uri === '') return 'must be an absolute URL without surrounding spaces';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain user information';
  if (url.protocol === 'https:') return url.hostname ? null : 'must name a host';
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname) ? null : 'must use https (http only for localhost or 127.0.0.1)';
  return 'must use https (http only for localhost or 127.0.0.1)';
}

/** Field errors of a list of redirect URIs, named like `redirectUris[1]`. */
export function redirectUriErrors(field: string, uris: string[]): FieldError[] {
  const errors: FieldError[] = [];
  uris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) errors.push({ field: `${field}[${i}]`, message: `${field}[${i}] ${problem}` });
    else if (uris.indexOf(uri) !== i) errors.push({ field: `${field}[${i}]`, message: `${field}[${i}] is listed twice` });
  });
  return errors;
}
