import { createHash, randomBytes } from 'node:crypto';
import { RECOVERY_CODE_COUNT } from '@gatehouse/contracts';

/** Lowercase letters and digits without 0/o, 1/l/i: easy to read back from paper. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** 16 characters (~79 bits) in four groups: `abcd-efgh-jkmn-pqrs`. Enough entropy for a plain hash. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

/** What a user types, compared without dashes, spaces or case. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/** SHA-256 of the user id and the normalized code: never the code itself. */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${normalizeRecoveryCode(code)}`).digest('hex');
}
