import { IdentityEnvForTest } from './fixtures';
import { ConfigValidationError, environmentWith, validateEnv } from '../validate-env';

describe('validateEnv', () => {
  it('applies defaults when nothing is set', () => {
    const env = validateEnv(IdentityEnvForTest, {});
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/gatehouse');
    expect(env.FEATURE_ON).toBe(false);
    expect(env.HEALTH_PORT).toBe(9000);
  });

  it('converts numbers and booleans from strings', () => {
    const env = validateEnv(IdentityEnvForTest, { HEALTH_PORT: '9100', FEATURE_ON: 'yes' });
    expect(env.HEALTH_PORT).toBe(9100);
    expect(env.FEATURE_ON).toBe(true);
  });

  it('names every bad variable and hides secrets', () => {
    let error: unknown;
    try {
      validateEnv(IdentityEnvForTest, { NATS_URL: 'http://nope', HEALTH_PORT: 'abc', FEATURE_ON: 'maybe', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain('NATS_URL="http://nope"');
    expect(message).toContain('HEALTH_PORT="abc"');
    expect(message).toContain('FEATURE_ON="maybe"');
    expect(message).toContain('DATABASE_URL');
  });

  it('never prints a password value', () => {
    expect(() => validateEnv(IdentityEnvForTest, { NATS_PASSWORD: '', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud"/);
  });
});

describe('IsEncryptionKeys (a SecretSealer keys variable)', () => {
  const key = (fill: number, encoding: 'base64' | 'base64url' = 'base64') => Buffer.alloc(32, fill).toString(encoding);
  const refusal = (value: string): string => {
    try {
      validateEnv(IdentityEnvForTest, { SEALING_KEYS: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      return (error as Error).message;
    }
    throw new Error(`SEALING_KEYS=${value} was accepted`);
  };

  it('accepts none (the development key) and comma-separated id:base64 entries of 32-byte keys', () => {
    expect(validateEnv(IdentityEnvForTest, {}).SEALING_KEYS).toBe('');
    const keys = `k2:${key(2)},k1.old:${key(1, 'base64url')}`;
    expect(validateEnv(IdentityEnvForTest, { SEALING_KEYS: keys }).SEALING_KEYS).toBe(keys);
  });

  it('refuses anything else at start-up, naming the variable and hiding its value', () => {
    for (const value of [key(1), `k1:${Buffer.alloc(16).toString('base64')}`, `:${key(1)}`, `k1:${key(1)}, k2:${key(2)}`, `k1:${key(1)},`, 'k1:not-a-key']) {
      const message = refusal(value);
      expect(message).toContain('SEALING_KEYS=<hidden>: SEALING_KEYS must be comma-separated id:base64 entries of 32-byte keys');
      expect(message).not.toContain(value);
    }
  });
});

describe('environmentWith (a launcher adding to the environment)', () => {
  it('puts defaults under the environment and overrides over it; an empty variable counts as unset', () => {
    const environment = { HTTP_HOST: '10.0.0.1', LOG_LEVEL: '', DATABASE_URL: 'postgres://elsewhere/db' };
    const sources = { defaults: { HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, overrides: { DATABASE_URL: 'postgres://embedded/gatehouse' } };
    const env = validateEnv(IdentityEnvForTest, environmentWith(sources, environment));
    expect(env.HTTP_HOST).toBe('10.0.0.1');
    expect(env.LOG_LEVEL).toBe('warn');
    expect(env.DATABASE_URL).toBe('postgres://embedded/gatehouse');
  });
});
