import { OidcHttpResponse, SamlHttpRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returning } from '../common/sql';
import { groupsOf, text } from './claims';
import { ExternalIdentity } from './federated-sign-in';
import { IdentityProviderEntity } from './identity-provider.entity';
import { CALLBACK_PATH, IdentityProvidersService } from './identity-providers.service';
import { SamlAssertion, SamlConfig, SamlRefusal, serviceProviderMetadata, serviceProviderOf, UnknownSamlRequest } from './saml-upstream';

/** What a provider's answer established: who, and whether it checked a second factor. */
export interface UpstreamAnswer {
  identity: ExternalIdentity;
  mfaDone: boolean;
}

/** A row of identity.federation_sign_ins as the completion takes it. */
export interface StartedSignIn {
  binding_hash: string;
  provider_id: string;
  code_verifier: string | null;
  nonce: string | null;
  interaction_uid: string | null;
  /** A SAML sign-in: the assertion the ACS accepted (null until the IdP's response came). */
  saml_answer: UpstreamAnswer | null;
}

/** A SAML sign-in's answer, kept by the ACS; none yet: the IdP has not answered this sign-in. */
export function samlAnswerOf(started: StartedSignIn): UpstreamAnswer {
  if (!started.saml_answer) throw ProblemException.validation([{ field: 'query', message: 'the identity provider has not answered this sign-in: start again' }]);
  return started.saml_answer;
}

/** The person a checked assertion names: NameID (its stable key; the username unless mapped), the mapped attributes. */
export function identityOfAssertion(config: SamlConfig, assertion: SamlAssertion): ExternalIdentity {
  const first = (name: string | null) => (name ? text(assertion.attributes[name]?.[0]) : null);
  const email = first(config.attributes.email);
  return {
    externalId: assertion.nameId,
    username: config.attributes.username ? first(config.attributes.username) : text(assertion.nameId),
    email,
    // Only the provider's setting makes an address verified: SAML has no email_verified of its own.
    emailVerified: config.emailVerified && email !== null,
    firstName: first(config.attributes.firstName),
    lastName: first(config.attributes.lastName),
    groups: groupsOf(assertion.attributes[config.attributes.groups] ?? []),
  };
}

const XML_HEADERS = { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300' };

/**
 * Gatehouse as a SAML service provider (docs/federation.md), over the gateway's HTTP bridge: each SAML provider's
 * SP metadata (`GET /saml/{id}/metadata`) and assertion consumer service (`POST /saml/{id}/acs`, HTTP-POST binding).
 * The ACS checks the response (SamlUpstream), spends the AuthnRequest it answers (once), keeps the person it names
 * with the started sign-in, and sends the browser to the console's callback page, which finishes the sign-in with
 * the binding its browser kept, as for OpenID Connect (UpstreamSignIn.complete).
 */
@Injectable()
export class SamlServiceProviderEndpoints {
  private readonly logger = new Logger('SamlServiceProvider');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: IdentityProvidersService,
  ) {}

  async http(request: SamlHttpRequest): Promise<OidcHttpResponse> {
    const [, , id, endpoint] = new URL(request.url, 'http://gatehouse').pathname.split('/');
    if (endpoint === 'metadata' && request.method === 'GET') {
      await this.samlProvider(id, false);
      return { status: 200, headers: XML_HEADERS, body: serviceProviderMetadata(serviceProviderOf(this.providers.publicBase, id)) };
    }
    if (endpoint === 'acs' && request.method === 'POST') return this.consume(id, request);
    throw new ProblemException(405, 'http-405', 'Method not allowed');
  }

  private async consume(id: string, request: SamlHttpRequest): Promise<OidcHttpResponse> {
    if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(request.headers['content-type'] ?? '')) {
      throw new ProblemException(415, 'http-415', 'The assertion consumer service takes an HTTP-POST form (application/x-www-form-urlencoded)');
    }
    const form = new URLSearchParams(request.body ?? '');
    const samlResponse = form.get('SAMLResponse');
    if (!samlResponse) throw ProblemException.validation([{ field: 'SAMLResponse', message: 'SAMLResponse is required' }]);
    const relayState = form.get('RelayState');
    const entity = await this.samlProvider(id, true);
    const loaded = await this.providers.load(entity);
    const config = loaded.saml as SamlConfig;
    let assertion: SamlAssertion;
    try {
      assertion = await this.providers.samlOf(loaded).validate(samlResponse, (requestId) => this.requestCreatedAt(id, requestId));
    } catch (error) {
      if (error instanceof UnknownSamlRequest) throw ProblemException.validation([{ field: 'SAMLResponse', message: error.message }]);
      if (!(error instanceof SamlRefusal)) throw error;
      this.logger.warn(`Identity provider "${entity.name}" (${entity.id}): ${error.message}`);
      throw error.toProblem(entity.name);
    }
    const contexts = new Set(config.mfaContexts);
    const answer: UpstreamAnswer = { identity: identityOfAssertion(config, assertion), mfaDone: assertion.authnContexts.some((c) => contexts.has(c)) };
    // The request is spent here, once: a second response to it (a replay) finds nothing.
    const [spent] = await returning<{ state: string }>(
      this.dataSource.manager,
      `UPDATE identity.federation_sign_ins SET saml_answer = $3
       WHERE request_id = $1 AND provider_id = $2 AND saml_answer IS NULL AND expires_at > now() AND (CAST($4 AS text) IS NULL OR state = $4)
       RETURNING state`,
      [assertion.requestId, id, JSON.stringify(answer), relayState],
    );
    if (!spent) throw ProblemException.validation([{ field: 'SAMLResponse', message: new UnknownSamlRequest().message }]);
    return {
      status: 303,
      headers: { location: `${this.providers.publicBase}${CALLBACK_PATH}?state=${encodeURIComponent(spent.state)}`, 'cache-control': 'no-store' },
      body: '',
    };
  }

  private async requestCreatedAt(providerId: string, requestId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT created_at FROM identity.federation_sign_ins WHERE request_id = $1 AND provider_id = $2 AND saml_answer IS NULL AND expires_at > now()`,
      [requestId, providerId],
    );
    return row ? new Date(row.created_at).toISOString() : null;
  }

  private async samlProvider(id: string, enabledOnly: boolean): Promise<IdentityProviderEntity> {
    const entity = await this.dataSource.getRepository(IdentityProviderEntity).findOneBy({ id, type: 'saml', ...(enabledOnly ? { enabled: true } : {}) });
    if (!entity) throw ProblemException.notFound('This SAML identity provider does not exist or is disabled');
    return entity;
  }
}
