import { generateSecret, generateURI, verifySync } from 'otplib';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(issuer: string, account: string, secret: string): string {
  return generateURI({ issuer, label: account, secret });
}

/**
 * The time step a code matches, within one step of now either way (clock drift), and only after
 * `afterTimeStep` (the step of the last accepted code: a code, or an older one, never works twice);
 * null when it does not match.
 */
export function matchTotp(secret: string, code: string, afterTimeStep: number | null, epochSeconds = Date.now() / 1000): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(epochSeconds),
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(afterTimeStep !== null ? { afterTimeStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
