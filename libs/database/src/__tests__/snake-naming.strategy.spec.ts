import { SnakeNamingStrategy } from '../snake-naming.strategy';

describe('SnakeNamingStrategy', () => {
  const naming = new SnakeNamingStrategy();

  it('maps camelCase properties (and embedded prefixes, explicit names, relations) to the snake_case columns the migrations create', () => {
    expect(naming.columnName('tenantId', undefined, [])).toBe('tenant_id');
    expect(naming.columnName('isDefault', undefined, [])).toBe('is_default');
    expect(naming.columnName('at', undefined, ['lockedUntil'])).toBe('locked_until_at');
    expect(naming.columnName('ignored', 'tokenHash', [])).toBe('token_hash');
    expect(naming.columnName('sha256Sum', undefined, [])).toBe('sha256_sum');
    expect(naming.relationName('signingKey')).toBe('signing_key');
    expect(naming.joinColumnName('signingKey', 'id')).toBe('signing_key_id');
  });
});
