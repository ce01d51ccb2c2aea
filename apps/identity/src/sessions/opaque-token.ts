import { createHash, randomBytes } from 'node:crypto';

/** A random secret with a greppable prefix: 256 bits, base64url. */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex: enough for secrets with 256 bits of entropy, and indexable for look-up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
