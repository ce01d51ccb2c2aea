import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets handed to a user once (refresh tokens, API tokens, reset and invitation links) and stored
 * only as a hash: 256 random bits, base64url, after a greppable prefix when one is given.
 */
export function newOpaqueToken(prefix?: string): string {
  const secret = randomBytes(32).toString('base64url');
  return prefix ? `${prefix}_${secret}` : secret;
}

/** SHA-256 hex: enough for secrets with 256 bits of entropy (no salt or stretching needed), and indexable for look-up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
