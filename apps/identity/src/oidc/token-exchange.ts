import { TOKEN_EXCHANGE_GRANT_TYPE } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { errors, KoaContextWithOIDC } from 'oidc-provider';
import { ImpersonationService, SubjectTokenRefused } from '../impersonation/impersonation.service';

/** RFC 8693 token types: Gatehouse exchanges an access token for an access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The parameters the grant reads; `actor_token` and `actor_token_type` are refused (the subject token's holder is the actor). */
export const TOKEN_EXCHANGE_PARAMS = [
  'subject_token', 'subject_token_type', 'requested_subject', 'requested_token_type', 'actor_token', 'actor_token_type', 'audience', 'resource', 'scope',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The token-exchange grant (RFC 8693) for impersonation, shaped as Keycloak's: `subject_token` is an access
 * token of the acting user (the actor), `requested_subject` the id of the user to act as, in the tenant of
 * the (confidential) client that presents it. The answer is an access token of that user for the gateway
 * with `act: { sub: <actor> }` (`issued_token_type` access_token), short-lived, no refresh token. Every
 * refusal is an RFC 6749 §5.2 error, `invalid_request` as RFC 8693 §2.2.2 asks, with the grant guard's
 * `rule` when it refused.
 */
export function tokenExchangeHandler(impersonation: ImpersonationService) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const client = ctx.oidc.client;
    if (!client) throw new errors.InvalidClient('client authentication failed');
    const required = (name: string) => {
      const value = params[name];
      if (typeof value !== 'string' || value === '') throw new errors.InvalidRequest(`missing required parameter '${name}'`);
      return value;
    };
    const subjectToken = required('subject_token');
    if (required('subject_token_type') !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    const userId = required('requested_subject');
    if (!UUID.test(userId)) throw new errors.InvalidRequest('requested_subject must be the id of a user');
    if (params['requested_token_type'] !== undefined && params['requested_token_type'] !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    if (params['actor_token'] !== undefined || params['actor_token_type'] !== undefined) {
      throw new errors.InvalidRequest('actor_token is not supported: the holder of subject_token is the actor');
    }
    if (params['audience'] !== undefined || params['resource'] !== undefined) {
      throw new errors.InvalidTarget('the issued token is for this instance\'s gateway; audience and resource are not supported');
    }
    const tenantId = (client['gatehouse_tenant'] as string | null | undefined) ?? null;
    try {
      const { caller, tenant } = await impersonation.actorOf(subjectToken, ctx.ip ?? null);
      if (tenant !== undefined && tenant !== tenantId) throw new SubjectTokenRefused('subject_token was issued for another tenant than this client\'s');
      const issued = await impersonation.start(caller, tenantId, userId, { via: 'token-exchange', clientId: client.clientId });
      ctx.body = {
        access_token: issued.accessToken,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
      };
    } catch (error) {
      if (error instanceof SubjectTokenRefused) throw new errors.InvalidRequest(error.message);
      if (error instanceof ProblemException && error.problem.status < 500) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description: error.problem.detail ?? error.problem.title,
          ...(typeof error.problem['rule'] === 'string' ? { rule: error.problem['rule'] } : {}),
        };
        return;
      }
      throw error;
    }
  };
}

export { TOKEN_EXCHANGE_GRANT_TYPE };
