import { FederatedSignInStart, IdentityProviderView } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createGroup, createTenant, createUser, freePort, generateSigningKey, MintRequest, rolesByName, SamlTestIdp, superAdminToken, TestUser, unique,
} from '@gatehouse/testing';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gatehouse } from './cli-support';
import { consoleUrl, newPage, useBrowser } from './console-support';
import { applicationSignIn } from './federation-support';
import { eventually } from './notification-support';

/**
 * Federation with a SAML 2.0 identity provider (docs/federation.md): a separate process is the company's IdP
 * (SamlTestIdp: its metadata, SP-initiated sign-in by HTTP-Redirect, responses by HTTP-POST with assertions signed
 * by a key generated for the run). The metadata read at the save, Gatehouse's SP metadata, "test connection"; a full
 * browser sign-in in Chromium from the console (just-in-time account, group mapping, audited); unsigned, altered,
 * foreign, expired, wrong-audience, wrong-recipient, wrong-destination and replayed responses refused; malformed
 * bodies 4xx; AuthnContextClassRef as MFA; an address the IdP is not trusted to verify never links an account.
 */
jest.setTimeout(120_000);

const csrf: [string, string] = ['x-gatehouse-csrf', '1'];
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const slug = (type: string | undefined) => type?.split('/').pop();

describe('federation: SAML 2.0 sign-in through an identity provider', () => {
  const { browser } = useBrowser();
  let idp: SamlTestIdp;
  let root: string;
  let admin: TestUser;
  let tenant: string;
  let engineers: string;
  let provider: IdentityProviderView;
  const suffix = unique('saml').toLowerCase().replace(/[^a-z0-9]/g, '');
  const mail = (name: string) => `${name}-${suffix}@idp.example.com`;
  const account = (name: string) => `${name}-${suffix}`;
  let existing: TestUser;

  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
    patch: (path: string, body: object = {}) => api().patch(path).set(...bearer(token)).send(body),
  });
  const acsPath = () => `/saml/${provider.id}/acs`;
  const postToAcs = (form: Record<string, string>, path = acsPath()) => api().post(path).type('form').send(form);

  /** A sign-in started at Gatehouse: its AuthnRequest's id as the IdP reads it, the relay state and the binding. */
  async function started(): Promise<{ requestId: string; relayState: string; binding: string }> {
    const start = (await api().post(`/api/v1/login/providers/${provider.id}/start`).send({}).expect(200)).body as FederatedSignInStart;
    const request = await idp.authnRequest(start.redirectTo);
    expect(request).toMatchObject({ acsUrl: provider.saml?.acsUrl, issuer: provider.saml?.spEntityId });
    return { requestId: request.id, relayState: new URL(start.redirectTo).searchParams.get('RelayState') as string, binding: start.binding };
  }

  const mint = (requestId: string, name: string, overrides: Partial<MintRequest> = {}) =>
    idp.mint({ inResponseTo: requestId, acsUrl: provider.saml?.acsUrl as string, audience: provider.saml?.spEntityId as string, account: account(name), ...overrides });

  /** The IdP's response posted to the ACS as a browser would: the redirect to the console's callback, its query, and the binding. */
  async function throughAcs(name: string, overrides: Partial<MintRequest> = {}): Promise<{ query: string; binding: string }> {
    const sign = await started();
    const answer = await postToAcs({ SAMLResponse: await mint(sign.requestId, name, overrides), RelayState: sign.relayState });
    expect([answer.status, answer.body.detail]).toEqual([303, undefined]);
    const location = new URL(answer.headers.location);
    expect(location.href.startsWith(`${process.env.E2E_ISSUER}/ui/federation/callback?state=`)).toBe(true);
    return { query: location.search.slice(1), binding: sign.binding };
  }

  const finish = (answer: { query: string; binding: string }) => api().post('/api/v1/session/federated').set(...csrf).send(answer);
  const userNamed = async (username: string) =>
    ((await as(root).get('/api/v1/users', { q: username }).expect(200)).body.results as Array<{ id: string; username: string; authMethod: string; emailVerified: boolean; firstName: string }>)
      .find((u) => u.username === username);

  beforeAll(async () => {
    idp = await SamlTestIdp.start({
      accounts: {
        [account('ada')]: { attributes: { email: mail('ada'), firstName: 'Ada', lastName: 'Lovelace', groups: ['Engineering', 'Staff'] } },
        [account('strong')]: { attributes: { email: mail('strong') }, authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract' },
        [account('weak')]: { attributes: { email: mail('weak') } },
        [account('liar')]: { attributes: { email: mail('target') } },
      },
    });
    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const roles = await rolesByName(admin.token, tenant);
    engineers = (await createGroup(admin.token, tenant, unique('engineers'))).id;
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: engineers });
    const created = await as(root).post('/api/v1/identity-providers', {
      type: 'saml', name: unique('Company SAML'), jitProvisioning: true,
      saml: { metadataUrl: idp.metadataUrl },
      groupMappings: [{ providerGroup: 'engineering', groupId: engineers, tenantId: tenant }],
    });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    provider = created.body;
    existing = await createUser(root, { username: mail('target') });
  });

  afterAll(async () => {
    // The shared system's other suites sign in on a page that would offer it.
    if (provider) await api().delete(`/api/v1/identity-providers/${provider.id}`).set(...bearer(root));
    await idp?.stop();
  });

  it('reads the IdP from its metadata and names what to register there; refuses bad settings with a 400 naming the field', async () => {
    const issuer = process.env.E2E_ISSUER as string;
    expect(provider.saml).toMatchObject({
      metadataUrl: idp.metadataUrl, emailVerified: false, clockSkewSeconds: 60, attributes: { username: null, email: 'email', groups: 'groups' },
      idp: { entityId: idp.entityId, ssoUrl: `${idp.base}/sso`, certificates: [expect.objectContaining({ subject: 'CN=Gatehouse test SAML IdP' })] },
      spEntityId: `${issuer}/saml/${provider.id}/metadata`, acsUrl: `${issuer}/saml/${provider.id}/acs`, spMetadataUrl: `${issuer}/saml/${provider.id}/metadata`,
    });
    const cases: Array<[object, string, RegExp]> = [
      [{ type: 'saml', name: unique('bad') }, 'saml', /required/],
      [{ type: 'saml', name: unique('bad'), saml: {} }, 'saml.metadataUrl', /one of/],
      [{ type: 'saml', name: unique('bad'), saml: { metadataUrl: 'https://10.2.3.4/metadata' } }, 'saml.metadataUrl', /private, loopback, link-local or reserved/],
      [{ type: 'saml', name: unique('bad'), saml: { metadataUrl: `http://127.0.0.1:${await freePort()}/metadata` } }, 'saml.metadataUrl', /cannot reach/],
      [{ type: 'saml', name: unique('bad'), saml: { metadataXml: '<not-metadata/>' } }, 'saml.metadataXml', /IDPSSODescriptor/],
      [{ type: 'saml', name: unique('bad'), saml: { metadataXml: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' } }, 'saml.metadataXml', /DOCTYPE/],
      [{ type: 'saml', name: unique('bad'), saml: { metadataUrl: idp.metadataUrl, clockSkewSeconds: 3600 } }, 'saml.clockSkewSeconds', /./],
      [{ type: 'oidc', name: unique('bad'), oidc: { issuer: idp.base, clientId: 'x' }, saml: { metadataUrl: idp.metadataUrl } }, 'saml', /do not apply/],
    ];
    for (const [body, field, message] of cases) {
      const response = await as(root).post('/api/v1/identity-providers', body);
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect({ field, message: (response.body.errors as Array<{ field: string; message: string }>).find((e) => e.field === field)?.message }).toEqual({ field, message: expect.stringMatching(message) });
    }
  });

  it("serves Gatehouse's SP metadata: entity id, the HTTP-POST ACS, signed assertions wanted", async () => {
    const response = await api().get(`/saml/${provider.id}/metadata`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => done(null, text));
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const xml = response.body as string;
    expect(xml).toContain(`entityID="${provider.saml?.spEntityId}"`);
    expect(xml).toMatch(/WantAssertionsSigned="true"/);
    expect(xml).toMatch(new RegExp(`<AssertionConsumerService[^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="${provider.saml?.acsUrl}"`));
    const unknown = await api().get('/saml/00000000-0000-4000-8000-000000000000/metadata');
    expect([unknown.status, unknown.headers['content-type']]).toEqual([404, expect.stringMatching(/^application\/problem\+json/)]);
  });

  it('"test connection" reads the metadata again and checks the certificates, naming the step that failed', async () => {
    const ok = (await as(root).post(`/api/v1/identity-providers/${provider.id}/test`).expect(200)).body;
    expect(ok).toMatchObject({ ok: true, steps: [{ step: 'metadata', ok: true }, { step: 'certificate', ok: true, detail: expect.stringMatching(/1 of 1 certificate/) }] });
    // A metadata server that goes away after the save: the test names the connection.
    const xml = await idp.metadata();
    const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(xml));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const gone = (await as(root).post('/api/v1/identity-providers', {
      type: 'saml', name: unique('gone'), saml: { metadataUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata` },
    }).expect(201)).body as IdentityProviderView;
    await new Promise((done) => server.close(done));
    try {
      expect((await as(root).post(`/api/v1/identity-providers/${gone.id}/test`).expect(200)).body).toMatchObject({ ok: false, step: 'connect' });
    } finally {
      await api().delete(`/api/v1/identity-providers/${gone.id}`).set(...bearer(root)).expect(204);
    }
  });

  it('signs a new person in through the IdP in Chromium from the console: created just in time, mapped to the group, audited', async () => {
    const page = await newPage(browser());
    await page.goto(`${consoleUrl()}/login`);
    await page.getByRole('button', { name: `Continue with ${provider.name}` }).click();
    await page.getByLabel('Account').fill(account('ada'));
    await page.getByRole('button', { name: 'Sign in at the SAML IdP' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/ui') && !url.pathname.includes('/federation/callback') && !url.pathname.endsWith('/login'), { timeout: 20_000 });
    // The console is signed in as ada (the NameID is her username): its shell shows her.
    await page.getByText(account('ada')).first().waitFor();
    await page.context().close();
    const ada = await userNamed(account('ada'));
    // The IdP is not trusted to verify addresses (the default): hers is kept unverified.
    expect(ada).toMatchObject({ authMethod: 'FEDERATED', emailVerified: false, firstName: 'Ada' });
    const members = (await as(root).get(`/api/v1/${tenant}/groups/${engineers}/members`).expect(200)).body.results as Array<{ memberId: string }>;
    expect(members.map((m) => m.memberId)).toContain(ada?.id);
    const trail = await eventually(async () => {
      const entries = (await as(root).get('/api/v1/auditlogs/search', { size: '100', resourceId: ada?.id as string }).expect(200)).body.results as Array<{ type: string; resourceType: string; after?: Record<string, unknown> }>;
      return entries.some((e) => e.resourceType === 'IDENTITY_LINK') ? entries : null;
    }, 15_000, "ada's link in the trail");
    expect(trail.find((e) => e.resourceType === 'IDENTITY_LINK')?.after).toMatchObject({ providerId: provider.id, externalId: account('ada'), linkedBy: 'JIT' });
    const membership = await eventually(async () => {
      const entries = (await as(admin.token).get(`/api/v1/${tenant}/auditlogs/search`, { size: '100', resourceType: 'GROUP_MEMBERSHIP', resourceId: engineers }).expect(200)).body.results as Array<{ type: string; after?: Record<string, unknown>; details?: Record<string, unknown> }>;
      return entries.find((e) => e.after?.['memberId'] === ada?.id) ?? null;
    }, 15_000, "ada's membership in the trail");
    expect(membership).toMatchObject({ type: 'CREATE', after: { memberId: ada?.id } });
  });

  it("signs an application's user in through the SAML IdP from the OpenID provider's interaction page (Chromium)", async () => {
    const claims = await applicationSignIn(browser(), admin.token, tenant, async (page) => {
      await page.getByRole('button', { name: `Continue with ${provider.name}` }).click();
      await page.getByLabel('Account').fill(account('ada'));
      await page.getByRole('button', { name: 'Sign in at the SAML IdP' }).click();
    });
    expect(claims).toMatchObject({ sub: (await userNamed(account('ada')))?.id, amr: ['fed'] });
  });

  it('takes the AuthnContextClassRef as MFA when it is one of the multi-factor classes; otherwise the sign-in is password-strength', async () => {
    const strong = await finish(await throughAcs('strong'));
    expect(strong.status).toBe(200);
    expect(claimsOf(strong.body.accessToken)).toMatchObject({ amr: ['fed', 'mfa'], acr: 'mfa' });
    const weak = await finish(await throughAcs('weak'));
    expect(weak.status).toBe(200);
    expect(claimsOf(weak.body.accessToken).amr).toEqual(['fed']);
    // The class is the IdP's word, within the signed assertion: a weak account asserting a multi-factor class counts.
    const asserted = await finish(await throughAcs('weak', { authnContext: 'https://refeds.org/profile/mfa' }));
    expect(claimsOf(asserted.body.accessToken).amr).toEqual(['fed', 'mfa']);
  });

  it('never links an account by an address the IdP is not trusted to verify', async () => {
    const answer = await finish(await throughAcs('liar'));
    expect([answer.status, answer.body.detail]).toEqual([409, expect.stringMatching(/administrator must link it/)]);
    expect((await as(root).get(`/api/v1/users/${existing.user.id}/authentication`).expect(200)).body.links).toEqual([]);
  });

  it.each<[string, Partial<MintRequest>, RegExp]>([
    ['unsigned', { unsigned: true }, /signature/i],
    ['altered after signing (signature broken)', { alter: true }, /signature/i],
    ['signed by a key not in the metadata', {}, /signature/i],
    ['expired', { shiftSeconds: -3600 }, /expired|subject confirmation/i],
    ['for another audience', { audience: 'https://other.example.com/sp' }, /audience/i],
    ['for another recipient', { recipient: 'https://other.example.com/acs' }, /Recipient/],
    ['for another destination', { destination: 'https://other.example.com/acs' }, /Destination/],
  ])('refuses a response %s with a 401 problem, and the request stays unanswered', async (what, overrides, detail) => {
    const sign = await started();
    const foreign = what.includes('key not in') ? { foreignKey: generateSigningKey('/CN=Someone else') } : {};
    const refused = await postToAcs({ SAMLResponse: await mint(sign.requestId, 'weak', { ...overrides, ...foreign }), RelayState: sign.relayState });
    expect([refused.status, slug(refused.body.type), refused.headers['content-type']]).toEqual([401, 'federation-refused', expect.stringMatching(/^application\/problem\+json/)]);
    expect(refused.body.detail).toMatch(detail);
    // The browser's callback finds no answer: nothing was signed in.
    const state = encodeURIComponent(sign.relayState);
    expect((await finish({ query: `state=${state}`, binding: sign.binding })).status).toBe(400);
  });

  it('refuses a replayed response (the same InResponseTo twice), an unsolicited one and one for an unknown request', async () => {
    const sign = await started();
    const response = await mint(sign.requestId, 'weak');
    expect((await postToAcs({ SAMLResponse: response, RelayState: sign.relayState })).status).toBe(303);
    const replay = await postToAcs({ SAMLResponse: response, RelayState: sign.relayState });
    expect([replay.status, replay.body.errors?.[0]?.field]).toEqual([400, 'SAMLResponse']);
    const unsolicited = await postToAcs({ SAMLResponse: await idp.mint({ acsUrl: provider.saml?.acsUrl as string, audience: provider.saml?.spEntityId as string, account: account('weak') }) });
    expect([unsolicited.status, unsolicited.body.detail]).toEqual([401, expect.stringMatching(/InResponseTo/)]);
    const unknown = await postToAcs({ SAMLResponse: await mint('_never-asked', 'weak') });
    expect([unknown.status, unknown.body.errors?.[0]?.field]).toEqual([400, 'SAMLResponse']);
    // A response for another sign-in's relay state does not finish this one.
    const other = await started();
    const crossed = await postToAcs({ SAMLResponse: await mint(other.requestId, 'weak'), RelayState: sign.relayState });
    expect(crossed.status).toBe(400);
  });

  it('answers malformed posts to the ACS with a 4xx problem, never 5xx', async () => {
    const cases: Array<[() => ReturnType<typeof postToAcs>, number]> = [
      [() => postToAcs({}), 400],
      [() => postToAcs({ SAMLResponse: '%%% not base64 %%%' }), 400],
      [() => postToAcs({ SAMLResponse: Buffer.from('not xml at all').toString('base64') }), 400],
      [() => postToAcs({ SAMLResponse: Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed></samlp:Response>').toString('base64') }), 400],
      [() => postToAcs({ SAMLResponse: Buffer.from('<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>').toString('base64') }), 400],
      [() => postToAcs({ SAMLResponse: Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>').toString('base64') }), 401],
      [() => api().post(acsPath()).set('content-type', 'application/json').send('{"SAMLResponse":"x"}'), 415],
      [() => postToAcs({ SAMLResponse: 'eA==' }, '/saml/00000000-0000-4000-8000-000000000000/acs'), 404],
    ];
    for (const [send, status] of cases) {
      const response = await send();
      expect([response.status, response.headers['content-type']]).toEqual([status, expect.stringMatching(/^application\/problem\+json/)]);
    }
  });

  it('the CLI creates a SAML provider of a tenant from a metadata file, maps attributes, tests and updates it', async () => {
    const cli = (args: string[], input?: string) => gatehouse([...args, '--tenant', tenant, '--token', admin.token], input === undefined ? {} : { input });
    const name = unique('cli-saml');
    const created = cli(['identity-providers', 'create', '--type', 'saml', '--name', name, '--metadata-file', '-', '--attribute', 'username=email', '--mfa-context', 'urn:example:mfa', '--output', 'json'], await idp.metadata());
    expect([created.status, created.stderr]).toEqual([0, '']);
    const view = JSON.parse(created.stdout) as IdentityProviderView;
    expect(view.saml).toMatchObject({ metadataUrl: null, attributes: { username: 'email' }, mfaContexts: ['urn:example:mfa'], idp: { entityId: idp.entityId } });
    const test = cli(['identity-providers', 'test', name]);
    expect([test.status, test.stdout]).toEqual([0, expect.stringContaining('The provider answered every step.')]);
    const updated = cli(['identity-providers', 'update', name, '--metadata-url', idp.metadataUrl, '--attribute', 'username=', '--email-verified', 'true', '--output', 'json']);
    expect([updated.status, updated.stderr]).toEqual([0, '']);
    expect((JSON.parse(updated.stdout) as IdentityProviderView).saml).toMatchObject({
      metadataUrl: idp.metadataUrl, metadataXml: null, emailVerified: true, attributes: { username: null }, mfaContexts: ['urn:example:mfa'],
    });
    expect(cli(['identity-providers', 'delete', name]).status).toBe(0);
  });

  it('links an account by NameID when an admin says so (a credential: the grant guard judges it)', async () => {
    const target = await createUser(root, { username: unique('linked'), email: mail('linked') });
    const linked = await as(root).post(`/api/v1/identity-providers/${provider.id}/links`, { userId: target.user.id, login: account('weak') + '-linked' });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ externalId: `${account('weak')}-linked`, linkedBy: 'ADMIN' });
  });
});
