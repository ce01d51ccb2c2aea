import { TrustedProxies } from '../trusted-proxies';

describe('trusted proxies (forward-auth client address)', () => {
  const proxies = new TrustedProxies('127.0.0.0/8, ::1, 10.1.0.0/16');

  it('takes the right-most untrusted X-Forwarded-For address from a trusted proxy', () => {
    expect(proxies.clientOf('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    // A client cannot choose its address by sending the header itself: the ingress appends the real one.
    expect(proxies.clientOf('127.0.0.1', '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(proxies.clientOf('127.0.0.1', ['203.0.113.9, 10.1.2.3'])).toBe('203.0.113.9');
    expect(proxies.clientOf('::ffff:127.0.0.1', '2001:db8::1')).toBe('2001:db8::1');
  });

  it('ignores the header from anyone else, and stops at a malformed entry', () => {
    expect(proxies.clientOf('192.0.2.7', '203.0.113.9')).toBe('192.0.2.7');
    expect(proxies.clientOf('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(proxies.clientOf('127.0.0.1', 'not-an-ip, 10.1.2.3')).toBe('10.1.2.3');
    expect(proxies.clientOf('127.0.0.1', '10.1.0.9, 127.0.0.2')).toBe('10.1.0.9');
  });

  it('trusts none when empty, and refuses what is not an address or a block, naming the variable', () => {
    expect(new TrustedProxies('').clientOf('127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
    expect(() => new TrustedProxies('10.0.0.0/33')).toThrow(/FORWARD_AUTH_TRUSTED_PROXIES: "10.0.0.0\/33"/);
    expect(() => new TrustedProxies('localhost')).toThrow(/FORWARD_AUTH_TRUSTED_PROXIES/);
  });
});
