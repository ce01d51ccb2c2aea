import { ProblemException } from '@gatehouse/errors';
import { OriginalRequest, originalRequestOf, originOf } from '../original-request';

const withOrigin = (request: OriginalRequest) => {
  const { proto: _proto, host: _host, ...rest } = request;
  const origin = originOf(request);
  return origin ? { ...rest, origin } : rest;
};

function fieldOf(read: () => unknown): string | undefined {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    const problem = (error as ProblemException).problem;
    expect(problem.status).toBe(400);
    return (problem.errors as Array<{ field: string }>)[0].field;
  }
  throw new Error('expected a 400');
}

describe('the original request of each ingress (forward-auth)', () => {
  it('reads Caddy\'s and Traefik\'s X-Forwarded-Method, -Uri, -Host and -Proto', () => {
    const headers = { 'x-forwarded-method': 'delete', 'x-forwarded-uri': '/apps/a.b/x?y=1', 'x-forwarded-host': 'app.example.com:8443', 'x-forwarded-proto': 'http' };
    expect(withOrigin(originalRequestOf('forwardAuth', 'GET', '/api/v1/authz/forward-auth', headers))).toEqual({ method: 'DELETE', uri: '/apps/a.b/x?y=1', origin: 'http://app.example.com:8443' });
  });

  it('reads nginx\'s X-Original-URI and -Method, and ingress-nginx\'s X-Original-URL', () => {
    expect(withOrigin(originalRequestOf('authRequest', 'GET', '/x', { 'x-original-method': 'POST', 'x-original-uri': '/a/b' }))).toEqual({ method: 'POST', uri: '/a/b' });
    expect(withOrigin(originalRequestOf('authRequest', 'GET', '/x', { 'x-original-method': 'GET', 'x-original-url': 'https://app.example.com/a/b?c=d', 'x-original-uri': '/ignored' }))).toEqual({
      method: 'GET', uri: '/a/b?c=d', origin: 'https://app.example.com',
    });
    expect(originalRequestOf('authRequest', 'GET', '/x', { 'x-original-method': 'GET', 'x-original-url': 'https://app.example.com' }).uri).toBe('/');
  });

  it('takes Envoy\'s own method and the path after the ext_authz prefix', () => {
    expect(withOrigin(originalRequestOf('extAuthz', 'PATCH', '/api/v1/authz/ext-authz/apps/a.b?x=1', { host: 'app.example.com' }))).toEqual({ method: 'PATCH', uri: '/apps/a.b?x=1', origin: 'https://app.example.com' });
    expect(originalRequestOf('extAuthz', 'GET', '/api/v1/authz/ext-authz', {}).uri).toBe('/');
  });

  it('names the missing or malformed header', () => {
    expect(fieldOf(() => originalRequestOf('forwardAuth', 'GET', '/', { 'x-forwarded-method': 'GET' }))).toBe('x-forwarded-uri');
    expect(fieldOf(() => originalRequestOf('forwardAuth', 'GET', '/', { 'x-forwarded-method': 'BREW', 'x-forwarded-uri': '/' }))).toBe('x-forwarded-method');
    expect(fieldOf(() => originalRequestOf('forwardAuth', 'GET', '/', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': 'http://elsewhere/' }))).toBe('x-forwarded-uri');
    expect(fieldOf(() => originalRequestOf('forwardAuth', 'GET', '/', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/a b' }))).toBe('x-forwarded-uri');
    expect(fieldOf(() => originalRequestOf('forwardAuth', 'GET', '/', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': `/${'a'.repeat(9000)}` }))).toBe('x-forwarded-uri');
    expect(fieldOf(() => originalRequestOf('authRequest', 'GET', '/', { 'x-original-uri': '/a' }))).toBe('x-original-method');
    expect(fieldOf(() => originalRequestOf('authRequest', 'GET', '/', { 'x-original-method': 'GET', 'x-original-url': 'ftp://x/a' }))).toBe('x-original-url');
    expect(fieldOf(() => originalRequestOf('authRequest', 'GET', '/', { 'x-original-method': ['GET', 'POST'], 'x-original-uri': '/a' }))).toBe('x-original-method');
    expect(fieldOf(() => originalRequestOf('extAuthz', 'TRACE', '/api/v1/authz/ext-authz/a', {}))).toBe(':method');
  });

  it('leaves the origin out when the host is not a host name (the redirect then stays on the original host)', () => {
    const headers = { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/a', 'x-forwarded-host': 'evil.example/path', 'x-forwarded-proto': 'https' };
    expect(originOf(originalRequestOf('forwardAuth', 'GET', '/', headers))).toBeUndefined();
  });
});
