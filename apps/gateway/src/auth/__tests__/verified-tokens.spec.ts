import { VerifiedTokens } from '../verified-tokens';

describe('VerifiedTokens', () => {
  const header = 'Bearer aaa.bbb.ccc';
  const caller = { type: 'USER' as const, id: 'u-1', via: 'jwt' as const, sessionId: 's-1' };
  const inOneHour = Math.floor(Date.now() / 1000) + 3600;

  it('answers the verified caller with the client address, the same frozen object while the address is the same', () => {
    const tokens = new VerifiedTokens();
    tokens.set(header, caller, inOneHour);
    const first = tokens.get(header, '10.0.0.1');
    expect(first).toEqual({ ...caller, ip: '10.0.0.1' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(tokens.get(header, '10.0.0.1')).toBe(first);
    const elsewhere = tokens.get(header, '10.0.0.2');
    expect(elsewhere).toEqual({ ...caller, ip: '10.0.0.2' });
    expect(first?.ip).toBe('10.0.0.1');
  });

  it('knows only the exact header it verified, and forgets it at expiry', () => {
    const tokens = new VerifiedTokens();
    tokens.set(header, caller, inOneHour);
    expect(tokens.get('Bearer  aaa.bbb.ccc', '10.0.0.1')).toBeUndefined();
    expect(tokens.get(header, '10.0.0.1', inOneHour * 1000)).toBeUndefined();
    expect(tokens.get(header, '10.0.0.1')).toBeUndefined();
  });
});
