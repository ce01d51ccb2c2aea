import Fastify from 'fastify';
import { defaultSecurityHeaders, registerSecurityHeaders } from '../security-headers';

describe('security headers (gateway)', () => {
  it("are helmet's defaults, worked out once", () => {
    const headers = defaultSecurityHeaders();
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers).not.toHaveProperty('x-powered-by');
  });

  it('are sent on every response, a 404 included, and a route may override one', async () => {
    const fastify = Fastify();
    registerSecurityHeaders(fastify);
    fastify.get('/framed', (_request, reply) => reply.header('x-frame-options', 'DENY').send('ok'));
    const missing = await fastify.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
    expect((await fastify.inject({ method: 'GET', url: '/framed' })).headers['x-frame-options']).toBe('DENY');
    await fastify.close();
  });

  it('are left to the routes under the given prefix (the forward-auth endpoints)', async () => {
    const fastify = Fastify();
    registerSecurityHeaders(fastify, { except: '/api/v1/authz/' });
    fastify.get('/api/v1/authz/decide', (_request, reply) => reply.send());
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/authz/decide' })).headers['x-content-type-options']).toBeUndefined();
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/authzed' })).headers['x-content-type-options']).toBe('nosniff');
    await fastify.close();
  });
});
