import { DestinationPolicy } from '@gatehouse/service-runtime';
import { DirectoryError, fillFilter, isAskable, LdapDirectory } from '../ldap-directory';

const VARIABLES = { allowedNetworks: 'FEDERATION_ALLOWED_NETWORKS', allowLoopback: 'FEDERATION_ALLOW_LOOPBACK', what: 'identity providers' };

describe('LdapDirectory: where a directory may be and what is asked of it', () => {
  const strict = new DestinationPolicy('', false, VARIABLES);
  const dev = new DestinationPolicy('', true, VARIABLES);
  const company = new DestinationPolicy('10.20.0.0/16', false, VARIABLES);

  it.each([
    ['ldaps://ldap.example.com', false, null],
    ['ldap://ldap.example.com:389', true, null],
    ['ldap://ldap.example.com', false, /startTls/],
    ['https://ldap.example.com', false, /ldaps:\/\//],
    ['ldaps://user:pw@ldap.example.com', false, /no user, path/],
    ['ldaps://ldap.example.com/dc=example', false, /no user, path/],
    ['not a url', false, /absolute URL/],
    ['ldaps://10.20.1.5', false, /private, loopback, link-local or reserved.*FEDERATION_ALLOWED_NETWORKS/],
    ['ldaps://169.254.169.254', false, /private, loopback/],
    ['ldaps://[::ffff:127.0.0.1]', false, /private, loopback/],
    ['ldaps://localhost', false, /loopback.*identity providers may not reach/],
    ['ldap://127.0.0.1:3389', false, /startTls/],
  ])('%s (startTls %s) by default: %s', (url, startTls, problem) => {
    const answer = LdapDirectory.urlProblem(url, startTls, strict);
    if (problem === null) expect(answer).toBeNull();
    else expect(answer).toMatch(problem);
  });

  it('admits a loopback directory, even plain LDAP, only with FEDERATION_ALLOW_LOOPBACK; a company network only when allowed', () => {
    expect(LdapDirectory.urlProblem('ldap://127.0.0.1:3389', false, dev)).toBeNull();
    expect(LdapDirectory.urlProblem('ldap://localhost:3389', false, dev)).toBeNull();
    expect(LdapDirectory.urlProblem('ldap://ldap.example.com', false, dev)).toMatch(/startTls/);
    expect(LdapDirectory.urlProblem('ldaps://10.1.2.3', false, dev)).toMatch(/private/);
    expect(LdapDirectory.urlProblem('ldaps://10.20.1.5', false, company)).toBeNull();
    expect(LdapDirectory.urlProblem('ldaps://10.21.1.5', false, company)).toMatch(/private/);
  });

  it('places the sign-in name in a filter escaped by ldapjs, so it cannot change the filter', () => {
    expect(fillFilter('(|(uid={login})(mail={login}))', { login: 'alice' })).toBe('(|(uid=alice)(mail=alice))');
    const injected = fillFilter('(&(uid={login})(objectClass=person))', { login: '*)(uid=*))(|(uid=*' });
    expect(injected).toBe('(&(uid=\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a)(objectClass=person))');
    expect(fillFilter('(member={dn})', { dn: 'uid=a(b),ou=people,dc=example,dc=com' })).toBe('(member=uid=a\\28b\\29,ou=people,dc=example,dc=com)');
    expect(() => fillFilter('(uid={login}', { login: 'x' })).toThrow();
  });

  it('asks a directory only about names without control characters or backslashes', () => {
    expect(isAskable('alice@example.com')).toBe(true);
    expect(isAskable('Émilie Dupont')).toBe(true);
    expect(isAskable('a\u0000b')).toBe(false);
    expect(isAskable('a\\2ab')).toBe(false);
    expect(isAskable('')).toBe(false);
  });

  it('tells a directory that cannot be reached from one that answered', () => {
    expect(new DirectoryError('connect', 'x').unavailable).toBe(true);
    expect(new DirectoryError('tls', 'x').unavailable).toBe(true);
    expect(new DirectoryError('bind', 'x').unavailable).toBe(false);
    expect(new DirectoryError('search', 'x').unavailable).toBe(false);
  });
});
