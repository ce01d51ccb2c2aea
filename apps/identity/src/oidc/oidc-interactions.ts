import { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthenticationMethod, AuthorizationRpc, CompleteFederatedSignInRequest, InteractionStep, CompleteMfaLoginRequest, DEFAULT_TENANT_SEGMENT, MFA_PROBLEMS, PasskeyLoginRequest, Problem, TenancyRpc,
} from '@gatehouse/contracts';
import { ProblemException, validateDto } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Provider from 'oidc-provider';
import { DataSource } from 'typeorm';
import { MfaPolicyService } from '../factors/mfa-policy.service';
import { FirstStep, SecondFactorService } from '../factors/second-factor.service';
import { UpstreamSignIn } from '../federation/upstream-sign-in';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { PasswordAuthenticator } from '../login-protection/password-authenticator';
import { SERVICE } from '../service-name';
import { UserEntity } from '../users/user.entity';
import { CONSOLE_INTERACTION_PATH, INTERACTION_PATH, tenantScope } from './oidc-provider';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

const DEFAULT_TENANT_NAME = 'Default tenant';
const PATH = new RegExp(`^${INTERACTION_PATH}(?:/|$)`);
const STEP = /^\/([\w-]{1,64})(?:\/(details|login|mfa|passkey|federated|tenant|consent|abort))?$/;

/**
 * The sign-in, tenant choice and consent of the provider's interactions, for the console's page
 * `/ui/oidc/interaction/:uid`: the provider sends the browser to `/oidc/interaction/:uid` (here, a redirect to
 * the page, so the interaction cookie's path covers the calls below), the page reads `…/details` and posts
 * `…/login`, `…/mfa`, `…/passkey`, `…/tenant`, `…/consent` or `…/abort` (JSON only: a cross-site form cannot
 * post them). The sign-in is /api/v1/session's: PasswordAuthenticator (lockout, throttling, forced password
 * change), then SecondFactorService for a user with a factor; the failure count is cleared only once the
 * sign-in is complete.
 */
@Injectable()
export class OidcInteractions {
  constructor(
    private readonly passwords: PasswordAuthenticator,
    private readonly rpc: RpcClient,
    private readonly secondFactor: SecondFactorService,
    private readonly protection: LoginProtectionService,
    private readonly policies: MfaPolicyService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly upstream: UpstreamSignIn,
  ) {}

  /** Whether the request is an interaction call (answered here), else it is the provider's. */
  matches(url: string): boolean {
    return PATH.test(url.split('?')[0]);
  }

  async handle(provider: Provider, req: IncomingMessage, res: ServerResponse, ip: string | null): Promise<void> {
    try {
      const step = STEP.exec((req.url ?? '').split('?')[0].slice(INTERACTION_PATH.length));
      if (!step) throw new Error('no such interaction');
      const [, uid, action] = step;
      if (!action) {
        if (req.method !== 'GET') throw new ProblemException(405, 'http-405', 'Method not allowed');
        if (!(await provider.Interaction.find(uid))) throw new Error('no such interaction');
        return send(res, 303, undefined, { location: `${CONSOLE_INTERACTION_PATH}/${uid}` });
      }
      const interaction = await this.details(provider, req, res, uid);
      if (action === 'details') {
        if (req.method !== 'GET') throw new ProblemException(405, 'http-405', 'Method not allowed');
        return send(res, 200, await this.step(provider, interaction));
      }
      if (req.method !== 'POST') throw new ProblemException(405, 'http-405', 'Method not allowed');
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw new ProblemException(415, 'http-415', 'Request bodies must be application/json');
      const body = await jsonBody(req);
      if (action === 'abort') {
        return send(res, 200, { redirectTo: await this.finish(provider, req, res, { error: 'access_denied', error_description: 'The user cancelled' }) });
      }
      if (action === 'login') {
        const username = stringField(body, 'username', 254);
        const password = stringField(body, 'password', 1024);
        const { user } = await this.passwords.authenticate(username, password, ip, 'login');
        await this.assertNoSecondStep(user);
        interaction.result = { ...interaction.result, login: await this.signedIn(user.id, ['pwd']) };
      } else if (action === 'federated') {
        // The answer of an upstream identity provider this interaction's sign-in was started for (docs/federation.md).
        const outcome = await this.upstream.complete(await validateDto(CompleteFederatedSignInRequest, body), uid, ip);
        if (!outcome.mfaDone) await this.assertNoSecondStep(outcome.user, { methods: ['fed'], providerId: outcome.providerId, sessionEndsAt: outcome.sessionEndsAt });
        interaction.result = { ...interaction.result, login: await this.signedIn(outcome.user.id, outcome.mfaDone ? ['fed', 'mfa'] : ['fed']) };
      } else if (action === 'mfa') {
        const outcome = await this.secondFactor.verify(await validateDto(CompleteMfaLoginRequest, body), ip);
        interaction.result = { ...interaction.result, login: await this.signedIn(outcome.user.id, [...outcome.first.methods, ...outcome.methods, 'mfa']) };
      } else if (action === 'passkey') {
        const outcome = await this.secondFactor.verifyPasskeyLogin(await validateDto(PasskeyLoginRequest, body), ip);
        interaction.result = { ...interaction.result, login: await this.signedIn(outcome.user.id, [...outcome.methods, 'mfa']) };
      } else if (action === 'tenant') {
        const tenant = stringField(body, 'tenant', 64);
        const accountId = accountOf(interaction);
        if (!accountId) throw ProblemException.validation([{ field: 'step', message: 'Sign in first' }]);
        const choice = await this.tenantChoice(accountId, undefined);
        if (!choice.some((t) => t.id === tenant)) throw ProblemException.validation([{ field: 'tenant', message: 'Choose one of the tenants offered' }]);
        interaction.result = { ...interaction.result, tenant: tenant === DEFAULT_TENANT_SEGMENT ? null : tenant };
      } else if (action === 'consent') {
        if (!accountOf(interaction)) throw ProblemException.validation([{ field: 'step', message: 'Sign in first' }]);
        interaction.result = { ...interaction.result, consented: true };
      }
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
      return send(res, 200, await this.advance(provider, req, res, interaction));
    } catch (error) {
      const problem: Problem = error instanceof ProblemException
        ? error.problem
        : { type: 'about:blank', title: 'Not Found', status: 404, detail: 'This sign-in has expired or does not exist; start again from the application' };
      return send(res, problem.status, problem, { 'content-type': 'application/problem+json' });
    }
  }

  /** A user with a second factor gets the second step; one the MFA policy asks for a factor and has none is sent to set one up. */
  private async assertNoSecondStep(user: UserEntity, first?: FirstStep): Promise<void> {
    const factors = await this.secondFactor.factorsOf(user.id);
    if (factors.length > 0) throw await this.secondFactor.challenge(user.id, factors, first);
    if (await this.policies.mustHaveFactor(user)) {
      throw new ProblemException(403, MFA_PROBLEMS.enrolmentRequired, 'Your account must set up a second factor first: sign in to the Gatehouse console to set one up, then sign in here again');
    }
  }

  /**
   * The login result of a complete sign-in (the failure count cleared). `amr` (RFC 8176) says how (`pwd`;
   * `pwd otp mfa`; `hwk user mfa`…) and `acr` sums it up (`mfa` or `pwd`), as in the console's sessions.
   */
  private async signedIn(accountId: string, amr: AuthenticationMethod[]): Promise<{ accountId: string; amr: string[]; acr: string }> {
    await this.protection.recordSuccess(this.dataSource.manager, accountId);
    return { accountId, amr, acr: amr.includes('mfa') ? 'mfa' : 'pwd' };
  }

  private async details(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<Interaction> {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid) throw new Error('interaction mismatch');
    return interaction;
  }

  /** Either the next step the page must show, or the redirect that ends the interaction. */
  private async advance(provider: Provider, req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<InteractionStep | { redirectTo: string }> {
    const step = await this.step(provider, interaction);
    if (step.step !== 'consent') return step;
    // First-party clients skip the consent screen; third-party ones wait for the user's consent.
    if (!step.client.firstParty && !interaction.result?.['consented']) return step;
    const accountId = accountOf(interaction) as string;
    const tenantId = interaction.result?.['tenant'] as string | null;
    const params = interaction.params as Record<string, string | undefined>;
    const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : new provider.Grant({ accountId, clientId: params.client_id as string });
    if (!grant) throw new Error('grant gone');
    if (params.scope) grant.addOIDCScope(params.scope);
    grant.addOIDCScope(tenantScope(tenantId));
    if (params.claims) {
      const claims = JSON.parse(params.claims) as { id_token?: object; userinfo?: object };
      grant.addOIDCClaims([...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})]);
    }
    for (const resource of [params.resource].flat().filter((r): r is string => !!r)) grant.addResourceScope(resource, params.scope ?? '');
    const grantId = await grant.save();
    const login = interaction.prompt.name === 'login' ? { login: interaction.result?.['login'] ?? { accountId } } : {};
    return { redirectTo: await this.finish(provider, req, res, { ...login, consent: { grantId } }) };
  }

  /** The step the interaction is at: sign-in until an account is known, then the tenant, then the consent. */
  private async step(provider: Provider, interaction: Interaction): Promise<InteractionStep> {
    const params = interaction.params as Record<string, string | undefined>;
    const client = await provider.Client.find(params.client_id as string);
    if (!client) throw new Error('client gone');
    const base = {
      uid: interaction.uid,
      client: { id: client.clientId, name: client.clientName ?? client.clientId, firstParty: client['gatehouse_first_party'] === true },
      scopes: (params.scope ?? '').split(' ').filter(Boolean),
    };
    const accountId = accountOf(interaction);
    if (!accountId) return { ...base, step: 'login' };
    if (interaction.result?.['tenant'] === undefined) {
      const tenants = await this.tenantChoice(accountId, params.tenant);
      if (tenants.length !== 1) return { ...base, step: 'tenant', tenants };
      interaction.result = { ...interaction.result, tenant: tenants[0].id === DEFAULT_TENANT_SEGMENT ? null : tenants[0].id };
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    }
    return { ...base, step: 'consent' };
  }

  /**
   * The tenants the user may pick: the one the client asked for (if reachable), else every tenant they can
   * reach (authorization's `GET /me/tenants`, asked as the user: where they have a binding or a group
   * membership, every live one for a Super Admin).
   */
  private async tenantChoice(accountId: string, asked: string | undefined): Promise<Array<{ id: string; name: string }>> {
    const settings = await this.rpc.internal(SERVICE, TenancyRpc.settings, {});
    if (!settings.enabled) return [{ id: DEFAULT_TENANT_SEGMENT, name: DEFAULT_TENANT_NAME }];
    if (asked) {
      await this.assertReachable(accountId, asked === DEFAULT_TENANT_SEGMENT ? null : asked);
      return [{ id: asked, name: asked === DEFAULT_TENANT_SEGMENT ? DEFAULT_TENANT_NAME : asked }];
    }
    const { results } = await this.rpc.request(AuthorizationRpc.reachableTenants, { caller: { type: 'USER', id: accountId, via: 'internal' }, data: {} });
    const tenants = results
      .filter((t) => t.id !== null || settings.defaultTenant)
      .map((t) => (t.id === null ? { id: DEFAULT_TENANT_SEGMENT, name: DEFAULT_TENANT_NAME } : { id: t.id, name: t.id }));
    if (tenants.length === 0) throw ProblemException.forbidden('Your account has access to no tenant');
    return tenants;
  }

  private async assertReachable(accountId: string | undefined, tenantId: string | null): Promise<void> {
    if (!accountId) throw ProblemException.validation([{ field: 'step', message: 'Sign in first' }]);
    await this.rpc.internal(SERVICE, AuthorizationRpc.requireTenantMember, { subject: { type: 'USER', id: accountId }, tenantId });
  }

  private async finish(provider: Provider, req: IncomingMessage, res: ServerResponse, result: object): Promise<string> {
    return provider.interactionResult(req, res, result as never, { mergeWithLastSubmission: false });
  }
}

function accountOf(interaction: Interaction): string | undefined {
  const login = interaction.result?.['login'] as { accountId?: string } | undefined;
  return login?.accountId ?? interaction.session?.accountId;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'cache-control': 'no-store', ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw ProblemException.validation([{ field: 'body', message: 'The body must be a JSON object' }]);
}

function stringField(body: Record<string, unknown>, field: string, max: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw ProblemException.validation([{ field, message: `${field} must be a non-empty string of at most ${max} characters` }]);
  }
  return value;
}
