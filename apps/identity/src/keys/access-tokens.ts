import { randomUUID } from 'node:crypto';
import { AuthenticationMethod, SubjectType } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { IdentityEnv } from '../identity.env';
import { SIGNING_ALG, SigningKeysService } from './signing-keys.service';

/** JOSE `typ` of our access tokens (RFC 9068), checked by the gateway. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

@Injectable()
export class AccessTokenIssuer {
  constructor(private readonly keys: SigningKeysService, private readonly env: IdentityEnv) {}

  /**
   * `amr` (RFC 8176) says how the session's sign-in authenticated the user, and `acr` sums it up: `mfa`
   * once a second factor (or a user-verifying passkey) was presented, else `pwd`. `mfa_enrolment: true`
   * marks a session whose user must first set up a second factor (an MFA policy): the gateway lets it
   * reach the enrolment routes only. Step-up (docs/mfa.md): `auth_time` is when the session's user last
   * presented a second factor (sign-in or step-up), `mfa_enrolled` says the user has one (the gateway then
   * asks for a fresh one before sensitive actions).
   */
  async issue(
    subjectId: string, subjectType: SubjectType, sessionId: string, amr: readonly AuthenticationMethod[] = ['pwd'],
    marks: { enrolmentOnly?: boolean; factorAt?: Date | null; hasFactor?: boolean; notAfter?: Date } = {},
  ): Promise<{ token: string; expiresIn: number }> {
    const { kid, key } = await this.keys.currentKey();
    const now = Math.floor(Date.now() / 1000);
    // A federated session's end bounds its access tokens too (`notAfter`).
    const expiresIn = Math.max(1, Math.min(this.env.ACCESS_TOKEN_TTL_SECONDS, marks.notAfter ? Math.floor(marks.notAfter.getTime() / 1000) - now : Infinity));
    const acr = amr.includes('mfa') ? 'mfa' : 'pwd';
    const token = await new SignJWT({
      sub_type: subjectType, sid: sessionId, amr: [...amr], acr,
      ...(marks.enrolmentOnly ? { mfa_enrolment: true } : {}),
      ...(marks.hasFactor ? { mfa_enrolled: true } : {}),
      ...(marks.factorAt ? { auth_time: Math.floor(marks.factorAt.getTime() / 1000) } : {}),
    })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYP })
      .setSubject(subjectId)
      .setIssuer(this.env.JWT_ISSUER)
      .setAudience(this.env.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign(key);
    return { token, expiresIn };
  }
}
