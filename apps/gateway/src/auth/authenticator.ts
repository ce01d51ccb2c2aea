import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { GatewayEnv } from '../gateway.env';
import { JwksCache } from './jwks-cache';

const ACCESS_TOKEN_TYP = 'at+jwt';
const ALGORITHMS = ['EdDSA'];
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * Turns an `Authorization` header into a verified caller. Access JWTs are verified locally: EdDSA only
 * (so `alg: none` and HMAC-with-the-public-key confusion are impossible), `typ`, issuer, audience,
 * expiry and not-before all enforced.
 */
@Injectable()
export class Authenticator {
  constructor(private readonly jwks: JwksCache, private readonly env: GatewayEnv) {}

  async authenticate(header: string | undefined, ip: string): Promise<Caller | null> {
    if (!header) return null;
    const [scheme, credentials] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && credentials && JWT_SHAPE.test(credentials)) {
      return this.verifyJwt(credentials, ip);
    }
    throw ProblemException.unauthorized('Unsupported or malformed Authorization header; use "Bearer <access token>"');
  }

  private async verifyJwt(token: string, ip: string): Promise<Caller> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw ProblemException.unauthorized('The access token is malformed');
    }
    try {
      const { payload } = await jwtVerify(token, await this.jwks.resolverFor(kid), {
        algorithms: ALGORITHMS,
        issuer: this.env.JWT_ISSUER,
        audience: this.env.JWT_AUDIENCE,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const type = payload['sub_type'] === 'SERVICE_ACCOUNT' ? 'SERVICE_ACCOUNT' : 'USER';
      return { type, id: payload.sub as string, via: 'jwt', ip };
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      throw ProblemException.unauthorized('The access token is invalid or expired');
    }
  }
}
