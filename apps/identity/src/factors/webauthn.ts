import { FieldError, WebAuthnCredential } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { IdentityEnv } from '../identity.env';

/** The relying party passkeys are bound to: WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS, else derived from JWT_ISSUER (the public URL). */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

export function relyingPartyOf(env: IdentityEnv): RelyingParty {
  const publicUrl = new URL(env.JWT_ISSUER);
  return {
    id: env.WEBAUTHN_RP_ID || publicUrl.hostname,
    name: env.WEBAUTHN_RP_NAME,
    origins: env.WEBAUTHN_ORIGINS ? env.WEBAUTHN_ORIGINS.split(',').map((o) => o.trim()) : [publicUrl.origin],
  };
}

/** The challenge a client says it signed (`clientDataJSON.challenge`); a 400 naming the field when it cannot be read. */
export function challengeOf(credential: WebAuthnCredential, field: string): string {
  try {
    const clientData = JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof clientData.challenge === 'string' && /^[A-Za-z0-9_-]{16,512}$/.test(clientData.challenge)) return clientData.challenge;
  } catch {
    // answered below
  }
  throw ProblemException.validation([{ field: `${field}.response.clientDataJSON`, message: 'clientDataJSON must be base64url JSON with a challenge' }]);
}

export const unknownChallenge = (field: string): ProblemException =>
  ProblemException.validation([{ field: `${field}.response.clientDataJSON`, message: 'the challenge is unknown, used or expired: ask for new options' }]);

/** The library's refusal of a response, as a 400 naming the field at fault (never a 500). */
export function refusedResponse(error: unknown, field: string): ProblemException {
  const message = error instanceof Error ? error.message : String(error);
  const at = (sub: string, text: string): FieldError => ({ field: `${field}${sub}`, message: text });
  let fieldError: FieldError;
  if (/origin/i.test(message)) fieldError = at('.response.clientDataJSON', 'the origin is not one this relying party accepts (WEBAUTHN_ORIGINS)');
  else if (/challenge/i.test(message)) fieldError = at('.response.clientDataJSON', 'the challenge does not match the options');
  else if (/type/i.test(message) && /webauthn/i.test(message)) fieldError = at('.response.clientDataJSON', 'clientDataJSON.type is not the expected ceremony');
  else if (/RP ID|rpIdHash|rp id/i.test(message)) fieldError = at('.response.authenticatorData', 'the relying party id does not match (WEBAUTHN_RP_ID)');
  else if (/signature/i.test(message)) fieldError = at('.response.signature', 'the signature does not verify');
  else if (/attestation/i.test(message)) fieldError = at('.response.attestationObject', `the attestation cannot be read: ${message.slice(0, 200)}`);
  else if (/user (was not )?verified|user verification/i.test(message)) fieldError = at('.response.authenticatorData', 'the authenticator did not verify the user');
  else if (/user (was not )?present/i.test(message)) fieldError = at('.response.authenticatorData', 'the authenticator did not see the user present');
  else fieldError = at('', `the credential is not valid: ${message.slice(0, 200)}`);
  return ProblemException.validation([fieldError]);
}

/** simplewebauthn's refusal of a signature counter that did not move forward: the mark of a cloned authenticator. */
export const isCounterRegression = (error: unknown): boolean => error instanceof Error && /counter value/i.test(error.message);
