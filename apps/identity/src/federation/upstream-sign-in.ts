import { randomBytes } from 'node:crypto';
import { CompleteFederatedSignInRequest, FederatedSignInStart, SignInProvider } from '@gatehouse/contracts';
import { hashToken } from '@gatehouse/database';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { returning } from '../common/sql';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { UserEntity } from '../users/user.entity';
import { ExternalIdentity, FederatedSignIn } from './federated-sign-in';
import { IdentityProviderEntity } from './identity-provider.entity';
import { IdentityProvidersService, LoadedProvider } from './identity-providers.service';
import { causeOf, OidcConfig, UpstreamClaims } from './oidc-upstream';
import { groupsOf, text } from './claims';
import { samlAnswerOf, StartedSignIn, UpstreamAnswer } from './saml-sign-in';

/** How long a started sign-in waits for the provider's answer. */
const SIGN_IN_TTL_SECONDS = 600;

/** A finished upstream sign-in: who, through which provider, and whether the provider checked a second factor. */
export interface UpstreamOutcome {
  user: UserEntity;
  providerId: string;
  mfaDone: boolean;
  interaction: string | null;
  /** The provider's session lifetime from now: the session this sign-in starts ends then (deprovisioning). */
  sessionEndsAt: Date;
}

const refused = (detail: string) => new ProblemException(401, 'federation-refused', detail);

/**
 * Signing in through an upstream OpenID Connect provider (docs/federation.md): the sign-in page offers the
 * enabled providers (home-realm discovery by the address's domain); a start keeps state, nonce and PKCE
 * verifier server-side (single use, 10 minutes) and hands the page a binding secret, so that only the browser
 * that started it can finish it (no login CSRF); the provider's answer comes back to the console's page, which
 * posts it here: openid-client exchanges the code and checks the id_token (signature against the JWKS, issuer,
 * audience, nonce, expiry), then the person is resolved as for a directory (link, verified address, just in
 * time) and the group mappings re-synced.
 */
@Injectable()
export class UpstreamSignIn {
  private readonly logger = new Logger('UpstreamSignIn');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: IdentityProvidersService,
    private readonly directories: FederatedSignIn,
    private readonly protection: LoginProtectionService,
  ) {}

  get redirectUri(): string {
    return this.providers.redirectUri;
  }

  /** The enabled OIDC providers a sign-in page offers: instance-wide ones claiming no domain, and those claiming the address's domain. */
  async offered(email: string | undefined): Promise<SignInProvider[]> {
    const domain = email?.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : null;
    const rows = await this.dataSource
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder('p')
      .where(`p.enabled AND p.type IN ('oidc', 'saml')`)
      .andWhere(`((p.tenantKey IS NULL AND cardinality(p.domains) = 0) OR (CAST(:domain AS text) IS NOT NULL AND :domain = ANY(p.domains)))`, { domain })
      .orderBy('p.name')
      .addOrderBy('p.id')
      .getMany();
    return rows.map((p) => ({ id: p.id, name: p.name, type: p.type }));
  }

  async start(providerId: string, interaction: string | undefined): Promise<FederatedSignInStart> {
    const loaded = await this.enabledProvider(providerId);
    const state = `${interaction ? `i.${interaction}.` : ''}${randomBytes(24).toString('base64url')}`;
    const binding = randomBytes(32).toString('base64url');
    const begun: { url: string; verifier?: string; nonce?: string; requestId?: string } = loaded.saml
      ? await this.providers.samlOf(loaded).start(state)
      : await this.upstream(loaded, () => this.providers.upstreamOf(loaded).start(this.redirectUri, state));
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM identity.federation_sign_ins WHERE expires_at < now()`);
      await manager.query(
        `INSERT INTO identity.federation_sign_ins (state, binding_hash, provider_id, code_verifier, nonce, request_id, interaction_uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
        [state, hashToken(binding), providerId, begun.verifier ?? null, begun.nonce ?? null, begun.requestId ?? null, interaction ?? null, SIGN_IN_TTL_SECONDS],
      );
    });
    return { redirectTo: begun.url, binding };
  }

  /**
   * The provider's answer (the callback's query) with the start's binding: single use. `interaction`: the
   * OpenID provider's interaction it must have been started for (null: the console's own sign-in).
   */
  async complete(request: CompleteFederatedSignInRequest, interaction: string | null, ip: string | null): Promise<UpstreamOutcome> {
    const params = new URLSearchParams(request.query.replace(/^\?/, ''));
    const state = params.get('state');
    if (!state) throw ProblemException.validation([{ field: 'query', message: 'the answer carries no state' }]);
    const [started] = await returning<StartedSignIn>(
      this.dataSource.manager,
      `DELETE FROM identity.federation_sign_ins WHERE state = $1 AND expires_at > now() RETURNING binding_hash, provider_id, code_verifier, nonce, interaction_uid, saml_answer`,
      [state],
    );
    if (!started || started.binding_hash !== hashToken(request.binding) || started.interaction_uid !== interaction) {
      throw ProblemException.validation([{ field: 'query', message: 'this sign-in has expired, was already used or was started elsewhere: start again' }]);
    }
    const loaded = await this.enabledProvider(started.provider_id);
    const provider = loaded.entity;
    const { identity, mfaDone } = loaded.saml ? samlAnswerOf(started) : await this.oidcAnswer(loaded, params, state, started);
    const user = await this.directories.signInAs(loaded, identity, ip);
    if (user.status !== 'ACTIVE') {
      await this.protection.recordFailure(user, identity.username ?? identity.externalId, ip, 'login', 'disabled', { providerId: provider.id });
      throw ProblemException.unauthorized('This account is disabled');
    }
    return { user, providerId: provider.id, mfaDone, interaction, sessionEndsAt: new Date(Date.now() + provider.sessionLifetimeSeconds * 1000) };
  }

  /** The OpenID provider's answer (the callback's query): the code exchanged and the id_token checked by openid-client. */
  private async oidcAnswer(loaded: LoadedProvider, params: URLSearchParams, state: string, started: StartedSignIn): Promise<UpstreamAnswer> {
    if (params.get('error')) {
      throw refused(`"${loaded.entity.name}" did not sign you in: ${params.get('error')}${params.get('error_description') ? ` (${params.get('error_description')?.slice(0, 300)})` : ''}`);
    }
    const answer = await this.upstream(loaded, () =>
      this.providers.upstreamOf(loaded).complete(new URL(`${this.redirectUri}?${params.toString()}`), { state, nonce: started.nonce ?? '', verifier: started.code_verifier ?? '' }),
    );
    const mfaAmr = new Set((loaded.oidc as OidcConfig).mfaAmr);
    return { identity: this.identityOf(loaded.oidc as OidcConfig, answer), mfaDone: answer.amr.some((m) => mfaAmr.has(m)) };
  }

  private identityOf(config: OidcConfig, answer: UpstreamClaims): ExternalIdentity {
    const { claims } = answer;
    const sub = text(claims['sub']);
    if (!sub) throw refused('The identity provider answered no subject (sub)');
    const mapping = config.claims;
    return {
      externalId: sub,
      username: text(claims[mapping.username]),
      email: text(claims[mapping.email]),
      // Only an address the provider itself says is verified can link an existing account.
      emailVerified: claims['email_verified'] === true,
      firstName: text(claims[mapping.firstName]),
      lastName: text(claims[mapping.lastName]),
      groups: groupsOf(claims[mapping.groups]),
    };
  }

  private async enabledProvider(providerId: string): Promise<LoadedProvider> {
    const entity = await this.dataSource.getRepository(IdentityProviderEntity).findOneBy({ id: providerId, type: In(['oidc', 'saml']), enabled: true });
    if (!entity) throw ProblemException.notFound('This identity provider does not exist or is disabled');
    return this.providers.load(entity);
  }

  /** The provider's work, its failures as problems: unreachable → 503 naming it; an answer that fails a check → 401. */
  private async upstream<T>(loaded: LoadedProvider, work: () => Promise<T>): Promise<T> {
    const provider = loaded.entity;
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      const cause = causeOf(error);
      if (cause?.unavailable) {
        throw new ProblemException(503, 'provider-unavailable', `Identity provider "${provider.name}" cannot be reached (${cause.message}); try again later`, {
          provider: { id: provider.id, name: provider.name },
        });
      }
      this.logger.warn(`Identity provider "${provider.name}" (${provider.id}): ${(error as Error).message}`);
      throw refused(`The answer of "${provider.name}" was refused: ${(error as Error).message.slice(0, 300)}`);
    }
  }
}

