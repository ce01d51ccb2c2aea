import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { IdentityEnv } from '../identity.env';

const VERSION = 'v1';
/** Used only when MFA_ENCRYPTION_KEYS is empty (a developer machine): public, so it protects nothing. */
const DEVELOPMENT_KEY_ID = 'dev';
const DEVELOPMENT_KEY = createHash('sha256').update('gatehouse development MFA key: never use in production').digest();

export interface Sealed {
  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
  ciphertext: string;
  keyId: string;
}

/** Parses MFA_ENCRYPTION_KEYS (`id:base64,...`, the first encrypts); throws naming the variable on a bad entry. */
export function parseEncryptionKeys(value: string): Array<{ id: string; key: Buffer }> {
  if (value.trim() === '') return [{ id: DEVELOPMENT_KEY_ID, key: DEVELOPMENT_KEY }];
  return value.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (colon <= 0 || key.length !== 32) throw new Error(`MFA_ENCRYPTION_KEYS: entry "${id || entry.slice(0, 8)}" must be id:base64 of 32 bytes`);
    return { id, key };
  });
}

/**
 * AES-256-GCM for secrets identity must read back (TOTP seeds): each ciphertext names the key that
 * sealed it, so keys rotate (the first of MFA_ENCRYPTION_KEYS seals, every listed key opens). The
 * user id is bound as additional data: a ciphertext copied to another user's row does not open.
 */
@Injectable()
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(env: IdentityEnv) {
    const keys = parseEncryptionKeys(env.MFA_ENCRYPTION_KEYS);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentId = keys[0].id;
    if (this.currentId === DEVELOPMENT_KEY_ID) {
      new Logger('SecretBox').warn('MFA_ENCRYPTION_KEYS is not set: TOTP secrets are encrypted with the public development key; set it in production');
    }
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return { ciphertext: [VERSION, ...parts].join('.'), keyId: this.currentId };
  }

  /** Throws when the key is no longer configured or the ciphertext was altered. */
  open(sealed: Sealed, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`The key "${sealed.keyId}" that sealed this secret is not in MFA_ENCRYPTION_KEYS`);
    const [version, iv, body, tag] = sealed.ciphertext.split('.');
    if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('Unknown ciphertext format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
