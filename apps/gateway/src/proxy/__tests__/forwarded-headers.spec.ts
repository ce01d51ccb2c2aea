import { TraceContext } from '@gatehouse/logging';
import { Admission } from '../../request/incoming-request';
import { clientResponseHeaders, upstreamRequestHeaders } from '../forwarded-headers';

const trace: TraceContext = { requestId: 'req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const client = { ip: '10.0.0.7', protocol: 'https', host: 'api.example.test' };
const admission = { caller: { id: 'u-1', type: 'USER' }, tenantId: 't-1', namespaces: ['company.team'] } as unknown as Admission;

describe('forwarded headers', () => {
  it('drops hop-by-hop headers, those the Connection header names, credentials and spoofed identity', () => {
    const headers = upstreamRequestHeaders(
      {
        connection: 'keep-alive, X-Hop-Secret',
        'x-hop-secret': 'not forwarded',
        'keep-alive': 'timeout=5',
        authorization: 'Bearer secret',
        'x-gatehouse-subject-id': 'spoofed',
        'x-forwarded-for': '1.2.3.4',
        accept: 'application/json',
      },
      admission,
      trace,
      client,
    );
    expect(headers).toEqual({
      accept: 'application/json',
      'x-gatehouse-subject-id': 'u-1',
      'x-gatehouse-subject-type': 'USER',
      'x-gatehouse-tenant': 't-1',
      'x-gatehouse-namespaces': 'company.team',
      'x-request-id': 'req-1',
      traceparent: trace.traceparent,
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.test',
    });
  });

  it('keeps end-to-end headers when Connection only says keep-alive or close', () => {
    for (const connection of ['keep-alive', 'close', 'Keep-Alive']) {
      const headers = upstreamRequestHeaders({ connection, 'x-custom': 'kept' }, admission, trace, client);
      expect(headers['x-custom']).toBe('kept');
      expect(headers.connection).toBeUndefined();
    }
  });

  it('passes the upstream response headers on top of the gateway ones, minus hop-by-hop ones', () => {
    const merged = clientResponseHeaders(
      { connection: 'close, x-upstream-hop', 'x-upstream-hop': '1', 'transfer-encoding': 'chunked', 'content-type': 'text/plain', 'x-frame-options': 'SAMEORIGIN' },
      { 'x-request-id': 'req-1', 'x-frame-options': 'DENY' },
    );
    expect(merged).toEqual({ 'x-request-id': 'req-1', 'content-type': 'text/plain', 'x-frame-options': 'SAMEORIGIN' });
  });
});
