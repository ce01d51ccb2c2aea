import { Caller, Decision, DECISION_TENANT_NOT_FOUND, DEFAULT_TENANT_SEGMENT, Impersonator, MFA_PROBLEMS, NAMESPACE_PATTERN } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator';
import { DecisionCache } from '../decisions/decision-cache';
import { GatewayEnv } from '../gateway.env';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { andThen, MaybePromise } from '../request/maybe-async';
import { DEFAULT_ACTIONS, isHttpBridge, isScim, PermissionRequirement, RouteDefinition } from '../request/route-definition';
import { RateLimits } from '../security/rate-limits';
import { TenantResolver } from './tenant-resolver';

/**
 * Steps 1-4 of the request path (DESIGN §4) for one matched route, whatever its target: authenticate →
 * resolve the tenant → ask authorization. What passes is an Admission, which the route registrar hands
 * to the NATS dispatcher (built-in services) or to the upstream proxy (HTTP services).
 */
@Injectable()
export class RequestAdmission {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tenants: TenantResolver,
    private readonly rateLimits: RateLimits,
    private readonly decisions: DecisionCache,
    private readonly env: GatewayEnv,
  ) {}

  /**
   * Authenticates, resolves the tenant, limits the subject's rate and asks authorization. Synchronous
   * when every answer is cached (the usual case); throws (or rejects) with the request's Problem.
   */
  admit(route: RouteDefinition, request: IncomingRequest): MaybePromise<Admission> {
    this.rateLimits.consumeIp(request.ip);
    // A service that answers HTTP itself reads its own Authorization header (the provider's client_secret_basic,
    // a bearer token at userinfo): the gateway neither interprets nor refuses it.
    const authorization = isHttpBridge(route.target) ? undefined : request.authorization;
    return andThen(this.authenticator.authenticate(authorization, request.ip, request.trace), (caller) => {
      if (caller) this.rateLimits.consumeSubject(caller.id);
      const { tenant, ...params } = request.params;
      return andThen(this.tenants.resolve(tenant), (tenantId) => {
        assertIntegrationScope(route, caller, tenantId, params);
        if (caller?.impersonator) assertImpersonationReaches(route, caller.impersonator, tenantId);
        if (caller?.enrolmentOnly && route.access !== 'public' && !route.enrolment) {
          throw new ProblemException(403, MFA_PROBLEMS.enrolmentRequired, 'Set up a second factor first (/api/v1/me/mfa): a policy requires one for your account');
        }
        return andThen(this.authorize(route, request, this.withStepUp(caller), tenantId, params), (admission) => {
          // After the permission: a caller without it is told so, not asked for a factor first.
          if (admission.caller?.stepUpRequired && (route.stepUp || route.grants === 'credential')) {
            throw new ProblemException(401, MFA_PROBLEMS.stepUpRequired, caller?.client
              ? `Confirm it is you: the OpenID Connect client must send you through its authorization endpoint again (max_age=${this.env.STEP_UP_MAX_AGE_SECONDS}) to present a second factor, then retry`
              : `Confirm it is you: present a second factor (POST /api/v1/me/mfa/step-up) within the last ${this.env.STEP_UP_MAX_AGE_SECONDS} seconds, then retry`, {
              maxAgeSeconds: this.env.STEP_UP_MAX_AGE_SECONDS,
            });
          }
          return admission;
        });
      });
    });
  }

  /** Marks a user with a second factor who presented none recently: sensitive actions ask for one (step-up). */
  private withStepUp(caller: Caller | null): Caller | null {
    if (!caller?.mfa?.enrolled || caller.type !== 'USER') return caller;
    const fresh = caller.mfa.factorAt !== undefined && Date.now() / 1000 - caller.mfa.factorAt <= this.env.STEP_UP_MAX_AGE_SECONDS;
    return fresh ? caller : { ...caller, stepUpRequired: true };
  }

  private authorize(
    route: RouteDefinition,
    request: IncomingRequest,
    caller: Caller | null,
    tenantId: string | null | undefined,
    params: Record<string, string>,
  ): MaybePromise<Admission> {
    const access = route.access;
    if (access === 'public') return { caller, tenantId, params };
    if (!caller) throw ProblemException.unauthorized();
    assertTenantOfCredential(caller, tenantId, access !== 'authenticated');
    if (access === 'authenticated') return { caller, tenantId, params };
    const namespace = namespaceOf(access, params, request);
    if (caller.type === 'SERVICE') throw ProblemException.forbidden('Internal identities cannot call the public API');
    const { permission } = access;
    const action = access.action ?? DEFAULT_ACTIONS[route.method];
    const decision = this.decisions.check(
      {
        subject: { type: caller.type, id: caller.id },
        scope: tenantId === undefined ? 'INSTANCE' : 'TENANT',
        tenantId: tenantId ?? null,
        permission,
        action,
        ...(namespace ? { namespace } : {}),
      },
      request.trace,
    );
    return andThen(decision, (answer: Decision) => {
      if (answer.reason === DECISION_TENANT_NOT_FOUND) throw ProblemException.notFound(`Tenant "${tenantId ?? DEFAULT_TENANT_SEGMENT}" does not exist`);
      if (!answer.allowed) {
        throw ProblemException.forbidden(`Missing permission ${permission}:${action}${namespace ? ` on namespace ${namespace}` : ''}`, {
          permission,
          action,
          reason: answer.reason,
        });
      }
      return { caller, tenantId, params, namespaces: answer.namespaces };
    });
  }
}

/**
 * A provisioning integration's secret is good on that integration's SCIM routes only (its tenant, its id),
 * and those routes take nothing else: an admin's session or API token does not speak for an integration.
 */
function assertIntegrationScope(route: RouteDefinition, caller: Caller | null, tenantId: string | null | undefined, params: Record<string, string>): void {
  if (isScim(route.target)) {
    if (!caller) return;
    const integration = caller.integration;
    if (!integration || integration.id !== params['id'] || integration.tenantId !== tenantId) {
      throw ProblemException.unauthorized("Use this integration's secret as the bearer token");
    }
    return;
  }
  if (caller?.integration) {
    throw ProblemException.forbidden("An integration's secret is good on its SCIM endpoint only", { rule: 'integration-scope' });
  }
}

/** The `rule` of a 403 for an impersonation token used outside its tenant. */
export const IMPERSONATION_TENANT_RULE = 'impersonation-tenant';

/**
 * An impersonation token is good in its tenant only: the grant guard judged the actor there (and at
 * instance level), nowhere else. Instance-level routes take it only to read who one is (`GET` of a route
 * open to any signed-in subject, e.g. `GET /me`): never an account change, a credential or instance data.
 */
function assertImpersonationReaches(route: RouteDefinition, impersonator: Impersonator, tenantId: string | null | undefined): void {
  if (route.access === 'public') return;
  if (tenantId === undefined ? route.method === 'GET' && route.access === 'authenticated' : tenantId === impersonator.tenantId) return;
  throw ProblemException.forbidden(
    tenantId === undefined ? 'An impersonation token is good in its tenant only, not at instance level' : `An impersonation token is good in tenant ${impersonator.tenantId ?? DEFAULT_TENANT_SEGMENT} only`,
    { rule: IMPERSONATION_TENANT_RULE },
  );
}

/**
 * A credential bound to one tenant (an OpenID Connect access token's `tenant`) acts only there: refused on
 * another tenant's routes and on instance-level permissions (creating tenants, managing users instance-wide);
 * routes of the signed-in subject itself (`authenticated`, no tenant) stay open to it.
 */
function assertTenantOfCredential(caller: Caller, tenantId: string | null | undefined, needsPermission: boolean): void {
  if (caller.tenant === undefined) return;
  if (tenantId === undefined ? needsPermission : tenantId !== caller.tenant) {
    const bound = caller.tenant ?? DEFAULT_TENANT_SEGMENT;
    throw ProblemException.forbidden(
      tenantId === undefined ? `This access token is for tenant "${bound}" only; instance-level calls need another credential` : `This access token is for tenant "${bound}", not "${tenantId ?? DEFAULT_TENANT_SEGMENT}"`,
      { rule: 'token-tenant', tokenTenant: bound },
    );
  }
}

/** The namespace a request touches, from its path, query or a header, as the route declares. */
function namespaceOf(access: PermissionRequirement, params: Record<string, string>, request: IncomingRequest): string | undefined {
  const source = access.namespace ?? (access.namespaceParam ? { from: 'path' as const, name: access.namespaceParam } : undefined);
  if (!source) return undefined;
  const raw =
    source.from === 'path' ? params[source.name] : source.from === 'query' ? request.query[source.name] : request.headers[source.name.toLowerCase()];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !NAMESPACE_PATTERN.test(raw)) {
    throw ProblemException.validation([{ field: source.name, message: `${source.name} must be a dotted namespace like company.team` }]);
  }
  return raw;
}
