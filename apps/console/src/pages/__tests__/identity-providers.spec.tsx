/** @jest-environment jsdom */
import type { ConnectionTestResult, IdentityProviderView, Page } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { currentPath, fakeApiForEachTest, fieldErrors, invalid, renderWithAuth, SentRequest, userView } from '../../__tests__/fake-api';
import { IdentityProvidersSection } from '../identity-providers';

const provider: IdentityProviderView = {
  id: 'p-1', scope: 'TENANT', tenantId: 'acme', type: 'ldap', name: 'Corporate LDAP', enabled: true, jitProvisioning: false, domains: ['acme.example'],
  groupMappings: [], ownerId: 'u-1', sessionLifetimeSeconds: 36000, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
  ldap: {
    url: 'ldaps://ldap.acme.example', startTls: false, caCertificate: null, bindDn: 'cn=reader', bindPasswordSet: true, userBase: 'ou=people,dc=acme',
    userFilter: '(|(uid={login})(mail={login}))', activeFilter: null, groupBase: null, groupFilter: '(|(member={dn})(uniqueMember={dn}))',
    groupNameAttribute: 'cn', emailVerified: false, timeoutMs: 2000, poolSize: 4,
    attributes: { id: 'entryUUID', username: 'uid', email: 'mail', firstName: 'givenName', lastName: 'sn' },
  },
};

const server = fakeApiForEachTest();

describe('Identity providers', () => {
  it('lists the providers with their type, status and domains; Create only for USER:CREATE holders', async () => {
    server.on('GET', '/api/v1/acme/identity-providers', { body: { results: [provider], total: 1, page: 1, size: 25 } satisfies Page<IdentityProviderView> });
    server.on('POST', '/api/v1/acme/acls/check', (r: SentRequest) => ({
      body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: c.permission === 'USER' })),
    }));
    renderWithAuth(server, <IdentityProvidersSection tenant="acme" rest="" />, { me: userView({ id: 'admin-1' }) });
    expect(await screen.findByRole('link', { name: 'Corporate LDAP' })).toHaveProperty('href', expect.stringContaining('/t/acme/identity-providers/p-1'));
    expect(screen.getByText('LDAP')).toBeTruthy();
    expect(screen.getByText('acme.example')).toBeTruthy();
    expect(await screen.findByRole('link', { name: 'Create' })).toBeTruthy();
  });

  it('creates an LDAP provider with its directory settings and a group mapping, then opens it', async () => {
    server.on('GET', '/api/v1/acme/groups', { body: { results: [{ id: 'g-1', name: 'engineers' }], total: 1, page: 1, size: 500 } });
    server.on('POST', '/api/v1/acme/identity-providers', { status: 201, body: provider });
    render(<IdentityProvidersSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'Corporate LDAP');
    await userEvent.type(screen.getByLabelText(/^URL/), 'ldaps://ldap.acme.example');
    await userEvent.type(screen.getByLabelText('User search base'), 'ou=people,dc=acme');
    await userEvent.type(screen.getByLabelText(/^Bind password/), 'reader-secret');
    await userEvent.click(screen.getByRole('button', { name: 'Add a mapping' }));
    await userEvent.type(screen.getByLabelText('Directory group'), 'engineers');
    await screen.findByRole('option', { name: 'engineers' });
    await userEvent.selectOptions(screen.getByLabelText('Gatehouse group'), 'g-1');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(currentPath()).toBe('/t/acme/identity-providers/p-1'));
    const [sent] = server.sent('POST', '/api/v1/acme/identity-providers').map((r) => r.body as Record<string, unknown>);
    expect(sent).toMatchObject({
      type: 'ldap', name: 'Corporate LDAP', groupMappings: [{ providerGroup: 'engineers', groupId: 'g-1' }],
      ldap: { url: 'ldaps://ldap.acme.example', userBase: 'ou=people,dc=acme', bindPassword: 'reader-secret', activeFilter: null, groupBase: null },
    });
  });

  it('shows a refused URL next to its field', async () => {
    server.on('GET', '/api/v1/acme/groups', { body: { results: [], total: 0, page: 1, size: 500 } });
    server.on('POST', '/api/v1/acme/identity-providers', invalid({ field: 'ldap.url', message: 'ldap.url must use ldaps:// or ldap:// with startTls' }));
    render(<IdentityProvidersSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(fieldErrors('ldap.url').join(' ')).toMatch(/ldaps/));
  });

  it('never shows the bind password, keeps it when left empty, and reports which step of a connection test failed', async () => {
    const failed: ConnectionTestResult = {
      ok: false, step: 'bind', detail: 'bind: invalid credentials',
      steps: [{ step: 'dns', ok: true, detail: 'resolves' }, { step: 'connect', ok: true, detail: 'connected' }, { step: 'tls', ok: true, detail: 'TLS' }, { step: 'bind', ok: false, detail: 'bind: invalid credentials' }],
    };
    server.on('GET', '/api/v1/acme/identity-providers/p-1', { body: provider });
    server.on('GET', '/api/v1/acme/identity-providers/p-1/links', { body: { results: [], total: 0, page: 1, size: 20 } });
    server.on('GET', '/api/v1/acme/groups', { body: { results: [], total: 0, page: 1, size: 500 } });
    server.on('PATCH', '/api/v1/acme/identity-providers/p-1', { body: provider });
    server.on('POST', '/api/v1/acme/identity-providers/p-1/test', { body: failed });
    render(<IdentityProvidersSection tenant="acme" rest="p-1" />);
    expect(((await screen.findByLabelText(/^Bind password/)) as HTMLInputElement).value).toBe('');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved.');
    expect((server.sent('PATCH', '/api/v1/acme/identity-providers/p-1')[0].body as { ldap: object }).ldap).not.toHaveProperty('bindPassword');
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByTestId('connection-test')).textContent).toContain('Failed at bind: bind: invalid credentials');
  });

  it('creates a SAML provider from its metadata URL with its attribute mapping, and shows what to register at the IdP', async () => {
    const saml: IdentityProviderView = {
      ...provider, id: 'p-2', type: 'saml', name: 'Company SAML', ldap: undefined,
      saml: {
        metadataUrl: 'https://idp.acme.example/metadata', metadataXml: null, emailVerified: false, clockSkewSeconds: 60, mfaContexts: ['https://refeds.org/profile/mfa'],
        attributes: { username: null, email: 'mail', firstName: 'firstName', lastName: 'lastName', groups: 'memberOf' },
        idp: { entityId: 'https://idp.acme.example', ssoUrl: 'https://idp.acme.example/sso', certificates: [{ subject: 'CN=acme idp', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', fingerprint: 'AB:CD' }] },
        spEntityId: 'https://gatehouse.example/saml/p-2/metadata', acsUrl: 'https://gatehouse.example/saml/p-2/acs', spMetadataUrl: 'https://gatehouse.example/saml/p-2/metadata',
      },
    };
    server.on('GET', '/api/v1/acme/groups', { body: { results: [], total: 0, page: 1, size: 500 } });
    server.on('POST', '/api/v1/acme/identity-providers', { status: 201, body: saml });
    render(<IdentityProvidersSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'Company SAML');
    await userEvent.selectOptions(screen.getByLabelText('Type'), 'saml');
    await userEvent.type(screen.getByLabelText('Metadata URL'), 'https://idp.acme.example/metadata');
    await userEvent.clear(screen.getByLabelText('Email attribute'));
    await userEvent.type(screen.getByLabelText('Email attribute'), 'mail');
    await userEvent.clear(screen.getByLabelText('Groups attribute'));
    await userEvent.type(screen.getByLabelText('Groups attribute'), 'memberOf');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(currentPath()).toBe('/t/acme/identity-providers/p-2'));
    const [sent] = server.sent('POST', '/api/v1/acme/identity-providers').map((r) => r.body as Record<string, unknown>);
    expect(sent).toMatchObject({
      type: 'saml', name: 'Company SAML',
      saml: { metadataUrl: 'https://idp.acme.example/metadata', metadataXml: null, emailVerified: false, attributes: { username: null, email: 'mail', groups: 'memberOf' } },
    });
    expect(sent).not.toHaveProperty('ldap');
    server.on('GET', '/api/v1/acme/identity-providers/p-2', { body: saml });
    server.on('GET', '/api/v1/acme/identity-providers/p-2/links', { body: { results: [], total: 0, page: 1, size: 20 } });
    render(<IdentityProvidersSection tenant="acme" rest="p-2" />);
    const registered = (await screen.findByTestId('saml-service-provider')).textContent;
    expect(registered).toContain('https://gatehouse.example/saml/p-2/acs');
    expect(registered).toContain('https://gatehouse.example/saml/p-2/metadata');
    expect(registered).toContain('CN=acme idp');
  });

  it("sets an OpenID provider's session lifetime (absent for LDAP, whose directory is asked at each sign-in) and shows a refused one next to its field", async () => {
    const oidc: IdentityProviderView = {
      ...provider, id: 'p-3', type: 'oidc', name: 'Company OIDC', ldap: undefined,
      oidc: { issuer: 'https://idp.acme.example', clientId: 'gatehouse', clientSecretSet: true, scopes: ['openid', 'email'], redirectUri: 'https://gatehouse.example/cb' } as IdentityProviderView['oidc'],
    };
    server.on('GET', '/api/v1/acme/groups', { body: { results: [], total: 0, page: 1, size: 500 } });
    server.on('GET', '/api/v1/acme/identity-providers/p-1', { body: provider });
    server.on('GET', '/api/v1/acme/identity-providers/p-1/links', { body: { results: [], total: 0, page: 1, size: 20 } });
    const ldapForm = render(<IdentityProvidersSection tenant="acme" rest="p-1" />);
    await screen.findByLabelText('User search base');
    expect(screen.queryByLabelText('Session lifetime (seconds)')).toBeNull();
    ldapForm.unmount();

    server.on('GET', '/api/v1/acme/identity-providers/p-3', { body: oidc });
    server.on('GET', '/api/v1/acme/identity-providers/p-3/links', { body: { results: [], total: 0, page: 1, size: 20 } });
    server.on('PATCH', '/api/v1/acme/identity-providers/p-3', (r: SentRequest) =>
      (r.body as { sessionLifetimeSeconds: number }).sessionLifetimeSeconds === 1
        ? invalid({ field: 'sessionLifetimeSeconds', message: 'sessionLifetimeSeconds must not be less than 5' })
        : { body: { ...oidc, sessionLifetimeSeconds: 3600 } },
    );
    render(<IdentityProvidersSection tenant="acme" rest="p-3" />);
    const lifetime = await screen.findByLabelText('Session lifetime (seconds)');
    expect((lifetime as HTMLInputElement).value).toBe('36000');
    await userEvent.clear(lifetime);
    await userEvent.type(lifetime, '1');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fieldErrors('sessionLifetimeSeconds')).toEqual(['Use 5 or more.']));
    await userEvent.clear(lifetime);
    await userEvent.type(lifetime, '3600');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved.');
    const sent = server.sent('PATCH', '/api/v1/acme/identity-providers/p-3').map((r) => r.body as Record<string, unknown>);
    expect(sent.map((b) => b.sessionLifetimeSeconds)).toEqual([1, 3600]);
  });
});
