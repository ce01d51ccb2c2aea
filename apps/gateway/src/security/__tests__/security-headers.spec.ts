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
});
