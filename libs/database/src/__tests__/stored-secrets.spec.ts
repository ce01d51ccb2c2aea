import { hashToken, newOpaqueToken } from '../stored-secrets';

describe('stored secrets', () => {
  it('a new token is 256 random bits in base64url, after its prefix when given', () => {
    const [a, b] = [newOpaqueToken(), newOpaqueToken()];
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(newOpaqueToken('ght')).toMatch(/^ght_[A-Za-z0-9_-]{43}$/);
  });

  it('the stored form is the SHA-256 hex of the token: the same for the same token, another for any other', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('abc ')).not.toBe(hashToken('abc'));
  });
});
