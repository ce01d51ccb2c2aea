import { IdentityEnv } from '../../identity.env';
import { PasswordHasher } from '../password-hasher';
import { PasswordPolicyService } from '../password-policy';

describe('PasswordPolicyService', () => {
  const policy = (minLength = 8) => new PasswordPolicyService(Object.assign(new IdentityEnv(), { PASSWORD_MIN_LENGTH: minLength }));

  it('accepts a password of the minimum length that is not common', () => {
    expect(policy().validate('Xk3!pq9z')).toEqual({ valid: true, errors: [] });
  });

  it('refuses a password one character short of PASSWORD_MIN_LENGTH', () => {
    expect(policy(12).validate('Xk3!pq9zAb1')).toEqual({ valid: false, errors: ['password must be at least 12 characters long'] });
    expect(policy(12).policy).toEqual({ minLength: 12 });
  });

  it('refuses common passwords whatever their case, with every reason at once', () => {
    expect(policy().validate('Password123').errors).toEqual(['password is too common']);
    expect(policy(20).validate('QWERTY123')).toEqual({
      valid: false,
      errors: ['password must be at least 20 characters long', 'password is too common'],
    });
  });

  it('accepts a password of non-ASCII letters', () => {
    expect(policy().validate('mötley-crüe-ñandú').valid).toBe(true);
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('stores argon2id hashes that verify only the right password', async () => {
    const hash = await hasher.hash('Correct-Horse-42');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await hasher.verify(hash, 'Correct-Horse-42')).toBe(true);
    expect(await hasher.verify(hash, 'correct-horse-42')).toBe(false);
  });

  it('answers false, never throws, for a missing or malformed hash', async () => {
    expect(await hasher.verify(null, 'anything')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
  });
});
