import { Caller, CheckRequest, Decision, MultiTenancySettings } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Authenticator } from '../../auth/authenticator';
import { DecisionCache } from '../../decisions/decision-cache';
import { GatewayEnv } from '../../gateway.env';
import { IncomingRequest } from '../../request/incoming-request';
import { RouteDefinition } from '../../request/route-definition';
import { RateLimits } from '../../security/rate-limits';
import { RequestAdmission } from '../request-admission';
import { TenantResolver } from '../tenant-resolver';
import { problemOf } from '@gatehouse/testing';

// jose is ES-module only (Jest's CommonJS runtime cannot load it); the authenticator is a stub here.
jest.mock('jose', () => ({}));

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt', ip: '10.0.0.1' };
const trace = { requestId: 'r1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

const route = (access: RouteDefinition['access'], method: RouteDefinition['method'] = 'GET', path = '/api/v1/:tenant/things'): RouteDefinition => ({
  method, path, summary: 'test', access, target: { subject: 'test.things.v1' } as RouteDefinition['target'],
});

const request = (overrides: Partial<IncomingRequest> = {}): IncomingRequest => ({
  params: { tenant: 'acme' }, query: {}, headers: {}, body: undefined, authorization: 'Bearer x', ip: '10.0.0.1', trace, ...overrides,
});

interface Setup {
  caller?: Caller | null | Promise<Caller | null>;
  decision?: Decision | Promise<Decision>;
  settings?: MultiTenancySettings;
}

function admissionWith({ caller = alice, decision = { allowed: true, reason: 'binding:b', namespaces: null }, settings = { enabled: true, defaultTenant: true } as MultiTenancySettings }: Setup = {}) {
  const authenticate = jest.fn(() => caller);
  const check = jest.fn((_request: CheckRequest) => decision);
  const consumeIp = jest.fn();
  const consumeSubject = jest.fn();
  const rpc = { internal: jest.fn(async () => settings) } as unknown as RpcClient;
  const tenants = new TenantResolver(rpc);
  const admission = new RequestAdmission(
    { authenticate } as unknown as Authenticator,
    tenants,
    { consumeIp, consumeSubject } as unknown as RateLimits,
    { check } as unknown as DecisionCache,
    Object.assign(new GatewayEnv(), { STEP_UP_MAX_AGE_SECONDS: 600 }),
  );
  return { admission, authenticate, check, consumeIp, consumeSubject, tenants };
}

async function thrownBy(admit: () => unknown): Promise<ProblemException['problem']> {
  try {
    return await problemOf(admit());
  } catch (error) {
    if (error instanceof ProblemException) return error.problem;
    throw error;
  }
}

describe('RequestAdmission (gateway)', () => {
  it('admits a public route without a caller, with the tenant resolved and the tenant segment out of the params', async () => {
    const { admission } = admissionWith({ caller: null });
    await expect(admission.admit(route('public', 'GET', '/api/v1/:tenant/things/:id'), request({ authorization: undefined, params: { tenant: 'acme', id: '7' } }))).resolves.toEqual({
      caller: null,
      tenantId: 'acme',
      params: { id: '7' },
    });
  });

  it('refuses a route for signed-in subjects without credentials (401), and admits it with any', async () => {
    const { admission: anonymous } = admissionWith({ caller: null });
    expect((await thrownBy(() => anonymous.admit(route('authenticated'), request()))).status).toBe(401);
    const { admission, check } = admissionWith();
    await expect(admission.admit(route('authenticated'), request())).resolves.toMatchObject({ caller: alice, tenantId: 'acme' });
    expect(check).not.toHaveBeenCalled();
  });

  it('asks authorization for the permission and the action of the method, at tenant or instance scope', async () => {
    const { admission, check } = admissionWith();
    await admission.admit(route({ permission: 'GROUP' }, 'PATCH'), request());
    expect(check).toHaveBeenLastCalledWith(
      { subject: { type: 'USER', id: 'alice' }, scope: 'TENANT', tenantId: 'acme', permission: 'GROUP', action: 'UPDATE' },
      trace,
    );
    await admission.admit(route({ permission: 'USER', action: 'READ' }, 'POST', '/api/v1/users'), request({ params: {} }));
    expect(check).toHaveBeenLastCalledWith(
      { subject: { type: 'USER', id: 'alice' }, scope: 'INSTANCE', tenantId: null, permission: 'USER', action: 'READ' },
      trace,
    );
  });

  it('addresses the default tenant as null', async () => {
    const { admission, check } = admissionWith();
    await expect(admission.admit(route({ permission: 'GROUP' }), request({ params: { tenant: 'default' } }))).resolves.toMatchObject({ tenantId: null });
    expect(check.mock.calls[0][0]).toMatchObject({ scope: 'TENANT', tenantId: null });
  });

  it('passes on the namespaces of an allowed decision', async () => {
    const { admission } = admissionWith({ decision: { allowed: true, reason: 'binding:b', namespaces: ['company.team'] } });
    await expect(admission.admit(route({ permission: 'FLOW' }), request())).resolves.toEqual({
      caller: alice, tenantId: 'acme', params: {}, namespaces: ['company.team'],
    });
  });

  it('refuses a denied check with a 403 that names the permission, the action and the namespace', async () => {
    const { admission } = admissionWith({ decision: { allowed: false, reason: 'no-binding' } });
    const problem = await thrownBy(() =>
      admission.admit(route({ permission: 'FLOW', namespaceParam: 'namespace' }, 'DELETE', '/api/v1/:tenant/flows/:namespace'), request({ params: { tenant: 'acme', namespace: 'company.team' } })),
    );
    expect(problem).toMatchObject({
      status: 403, permission: 'FLOW', action: 'DELETE', reason: 'no-binding', detail: 'Missing permission FLOW:DELETE on namespace company.team',
    });
  });

  it('answers 404 when authorization does not know the tenant', async () => {
    const { admission } = admissionWith({ decision: { allowed: false, reason: 'tenant-not-found' } });
    expect(await thrownBy(() => admission.admit(route({ permission: 'GROUP' }), request()))).toMatchObject({ status: 404, detail: 'Tenant "acme" does not exist' });
  });

  it('lets an enrolment-only session (an MFA policy) reach the enrolment routes and public ones only', async () => {
    const { admission, check } = admissionWith({ caller: { ...alice, enrolmentOnly: true } });
    const refused = await thrownBy(() => admission.admit(route({ permission: 'GROUP' }), request()));
    expect(refused).toMatchObject({ status: 403, type: expect.stringContaining('mfa-enrolment-required') });
    expect((await thrownBy(() => admission.admit(route('authenticated', 'GET', '/api/v1/me/tenants'), request({ params: {} })))).status).toBe(403);
    expect(check).not.toHaveBeenCalled();
    expect(await admission.admit({ ...route('authenticated', 'POST', '/api/v1/me/mfa/totp'), enrolment: true }, request({ params: {} }))).toMatchObject({ caller: { id: 'alice' } });
    expect(await admission.admit(route('public', 'POST', '/api/v1/session/refresh'), request({ params: {} }))).toMatchObject({ tenantId: undefined });
  });

  it("holds an integration's secret to its own SCIM routes, and those routes to integration secrets (docs/scim.md)", async () => {
    const scimRoute: RouteDefinition = {
      method: 'GET', path: '/api/v1/:tenant/integrations/:id/scim/v2/Users', summary: 'SCIM', access: { permission: 'USER' },
      target: { scim: { subject: 'identity.scim.request.v1' }, endpoint: 'Users', maxBodyBytes: 1024 },
    };
    const integration: Caller = { ...alice, via: 'integration', integration: { id: 'i1', tenantId: 'acme' } };
    const { admission, check } = admissionWith({ caller: integration });
    const scimRequest = (id: string, tenant = 'acme') => request({ params: { tenant, id } });
    await expect(admission.admit(scimRoute, scimRequest('i1'))).resolves.toMatchObject({ caller: { id: 'alice', integration: { id: 'i1' } }, tenantId: 'acme' });
    // Decided as its owner.
    expect(check.mock.calls[0][0]).toMatchObject({ subject: { type: 'USER', id: 'alice' }, permission: 'USER', action: 'READ', tenantId: 'acme' });
    expect((await thrownBy(() => admission.admit(scimRoute, scimRequest('i2')))).status).toBe(401);
    expect((await thrownBy(() => admission.admit(scimRoute, scimRequest('i1', 'other')))).status).toBe(401);
    expect(await thrownBy(() => admission.admit(route({ permission: 'GROUP' }), request()))).toMatchObject({ status: 403, rule: 'integration-scope' });
    expect((await thrownBy(() => admission.admit(route('authenticated', 'GET', '/api/v1/me'), request({ params: {} })))).status).toBe(403);
    const session = admissionWith();
    expect((await thrownBy(() => session.admission.admit(scimRoute, scimRequest('i1')))).status).toBe(401);
  });

  it('step-up: a user with a factor who presented none recently is asked for one on sensitive routes, after the permission check', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = admissionWith({ caller: { ...alice, mfa: { enrolled: true, factorAt: now - 601 } } });
    const sensitive = { ...route({ permission: 'USER' }, 'POST'), stepUp: true as const };
    expect(await thrownBy(() => stale.admission.admit(sensitive, request()))).toMatchObject({ status: 401, type: expect.stringContaining('step-up-required'), maxAgeSeconds: 600 });
    expect(await thrownBy(() => stale.admission.admit({ ...route({ permission: 'USER' }, 'POST'), grants: 'credential' }, request()))).toMatchObject({ status: 401 });
    // Other routes pass, telling the services (which judge granting Admin themselves).
    expect(await stale.admission.admit(route({ permission: 'USER' }), request())).toMatchObject({ caller: { stepUpRequired: true } });
    const denied = admissionWith({ caller: { ...alice, mfa: { enrolled: true } }, decision: { allowed: false, reason: 'no-binding', namespaces: null } });
    expect((await thrownBy(() => denied.admission.admit(sensitive, request()))).status).toBe(403);
    const fresh = admissionWith({ caller: { ...alice, mfa: { enrolled: true, factorAt: now - 30 } } });
    expect((await fresh.admission.admit(sensitive, request())).caller).not.toHaveProperty('stepUpRequired');
    const noFactor = admissionWith();
    expect((await noFactor.admission.admit(sensitive, request())).caller).not.toHaveProperty('stepUpRequired');
  });

  it('refuses internal identities on the public API', async () => {
    const { admission, check } = admissionWith({ caller: { type: 'SERVICE', id: 'identity' } });
    expect((await thrownBy(() => admission.admit(route({ permission: 'GROUP' }), request()))).status).toBe(403);
    expect(check).not.toHaveBeenCalled();
  });

  it('takes the namespace from the path, the query or a header, as the route declares', async () => {
    const { admission, check } = admissionWith();
    await admission.admit(route({ permission: 'FLOW', namespace: { from: 'query', name: 'ns' } }), request({ query: { ns: 'a.b' } }));
    expect(check.mock.calls[0][0].namespace).toBe('a.b');
    await admission.admit(route({ permission: 'FLOW', namespace: { from: 'header', name: 'X-Namespace' } }), request({ headers: { 'x-namespace': 'c.d' } }));
    expect(check.mock.calls[1][0].namespace).toBe('c.d');
    await admission.admit(route({ permission: 'FLOW', namespace: { from: 'query', name: 'ns' } }), request({ query: { ns: '' } }));
    expect(check.mock.calls[2][0]).not.toHaveProperty('namespace');
  });

  it('refuses a namespace that is not dotted (400 naming the field) before asking authorization', async () => {
    const { admission, check } = admissionWith();
    const problem = await thrownBy(() => admission.admit(route({ permission: 'FLOW', namespace: { from: 'query', name: 'ns' } }), request({ query: { ns: 'a..b' } })));
    expect(problem).toMatchObject({ status: 400, errors: [{ field: 'ns', message: 'ns must be a dotted namespace like company.team' }] });
    const array = await thrownBy(() => admission.admit(route({ permission: 'FLOW', namespace: { from: 'query', name: 'ns' } }), request({ query: { ns: ['a', 'b'] } })));
    expect(array.status).toBe(400);
    expect(check).not.toHaveBeenCalled();
  });

  it("refuses a token bound to a tenant on another tenant's routes and on instance-level permissions, not on its own", async () => {
    const bound: Caller = { ...alice, tenant: 'acme' };
    const { admission, check } = admissionWith({ caller: bound });
    expect(await admission.admit(route({ permission: 'GROUP' }), request())).toMatchObject({ tenantId: 'acme' });
    expect(await admission.admit(route('authenticated', 'GET', '/api/v1/me'), request({ params: {} }))).toMatchObject({ caller: bound });
    check.mockClear();
    const other = await thrownBy(() => admission.admit(route({ permission: 'GROUP' }), request({ params: { tenant: 'globex' } })));
    expect(other).toMatchObject({ status: 403, rule: 'token-tenant', tokenTenant: 'acme', detail: 'This access token is for tenant "acme", not "globex"' });
    expect((await thrownBy(() => admission.admit(route('authenticated'), request({ params: { tenant: 'default' } })))).status).toBe(403);
    expect((await thrownBy(() => admission.admit(route({ permission: 'TENANT' }, 'POST', '/api/v1/tenants'), request({ params: {} })))).status).toBe(403);
    expect(check).not.toHaveBeenCalled();

    const { admission: defaultBound } = admissionWith({ caller: { ...alice, tenant: null } });
    expect(await defaultBound.admit(route({ permission: 'GROUP' }), request({ params: { tenant: 'default' } }))).toMatchObject({ tenantId: null });
    expect((await thrownBy(() => defaultBound.admit(route({ permission: 'GROUP' }), request()))).detail).toBe('This access token is for tenant "default", not "acme"');
  });

  it('limits the address before authenticating and the subject after', async () => {
    const { admission, consumeIp, consumeSubject, authenticate } = admissionWith();
    await admission.admit(route('authenticated'), request());
    expect(consumeIp).toHaveBeenCalledWith('10.0.0.1');
    expect(consumeSubject).toHaveBeenCalledWith('alice');
    expect(consumeIp.mock.invocationCallOrder[0]).toBeLessThan(authenticate.mock.invocationCallOrder[0]);
    consumeIp.mockImplementation(() => {
      throw ProblemException.tooManyRequests('rate-limited', 'slow down', 3);
    });
    expect(() => admission.admit(route('authenticated'), request())).toThrow(ProblemException);
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it('answers synchronously once the caller, the tenant settings and the decision are at hand', async () => {
    const { admission } = admissionWith();
    await admission.admit(route({ permission: 'GROUP' }), request()); // loads the tenancy settings
    const admitted = admission.admit(route({ permission: 'GROUP' }), request());
    expect(admitted).not.toBeInstanceOf(Promise);
    expect(admitted).toMatchObject({ caller: alice, tenantId: 'acme' });
  });

  it('waits for a caller or a decision still being asked', async () => {
    const { admission } = admissionWith({ caller: Promise.resolve(alice), decision: Promise.resolve({ allowed: true, reason: 'binding:b' }) });
    const admitted = admission.admit(route({ permission: 'GROUP' }), request({ params: {} }));
    expect(admitted).toBeInstanceOf(Promise);
    await expect(admitted).resolves.toMatchObject({ caller: alice, tenantId: undefined });
  });
});
