import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT_SEGMENT, InternalToken, INTERNAL_TOKEN_TYP, IssueInternalTokenRequest } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { IdentityEnv } from '../identity.env';
import { SIGNING_ALG, SigningKeysService } from './signing-keys.service';

/** Short on purpose: the gateway caches it per (subject, tenant, upstream), an upstream can never replay it for long. */
export const INTERNAL_TOKEN_TTL_SECONDS = 60;

/**
 * Tokens the gateway forwards to an upstream HTTP service (`x-gatehouse-token`) so that the upstream can
 * check, with the public JWKS alone, that the identity headers really come from Gatehouse. Signed with
 * the same key as access tokens but with their own `typ` and the upstream's name as audience, so
 * neither can be used as the other.
 */
@Injectable()
export class InternalTokenIssuer {
  constructor(private readonly keys: SigningKeysService, private readonly env: IdentityEnv) {}

  async issue(request: IssueInternalTokenRequest): Promise<InternalToken> {
    const { kid, key } = await this.keys.currentKey();
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub_type: request.subjectType };
    if (request.tenantId !== undefined) claims.tenant = request.tenantId ?? DEFAULT_TENANT_SEGMENT;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: INTERNAL_TOKEN_TYP })
      .setSubject(request.subjectId)
      .setIssuer(this.env.JWT_ISSUER)
      .setAudience(request.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + INTERNAL_TOKEN_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(key);
    return { token, expiresIn: INTERNAL_TOKEN_TTL_SECONDS };
  }
}
