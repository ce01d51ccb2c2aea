import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SealedSecret } from '@gatehouse/contracts';

const VERSION = 'v1';
/** Used only when the keys variable is empty (a developer machine): public, so it protects nothing. */
const DEVELOPMENT_KEY_ID = 'dev';

/**
 * Parses an encryption keys variable (`id:base64,...` of 32-byte keys, the first seals); throws naming the
 * variable on a bad entry. Empty: the public development key of `purpose`, which protects nothing.
 */
export function parseEncryptionKeys(value: string, variable: string, purpose: string): Array<{ id: string; key: Buffer }> {
  if (value.trim() === '') {
    return [{ id: DEVELOPMENT_KEY_ID, key: createHash('sha256').update(`gatehouse development ${purpose} key: never use in production`).digest() }];
  }
  return value.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (colon <= 0 || key.length !== 32) throw new Error(`${variable}: entry "${id || entry.slice(0, 8)}" must be id:base64 of 32 bytes`);
    return { id, key };
  });
}

/**
 * AES-256-GCM for secrets a service must read back (TOTP seeds, webhook signing secrets): each ciphertext
 * names the key that sealed it, so keys rotate (the first key seals, every listed key opens). A context
 * (the owning row's id) is bound as additional data: a ciphertext copied to another row does not open.
 */
export class SecretSealer {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(keysValue: string, private readonly variable: string, purpose: string) {
    const keys = parseEncryptionKeys(keysValue, variable, purpose);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentId = keys[0].id;
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  /** Whether the public development key seals (the keys variable is empty). */
  get usesDevelopmentKey(): boolean {
    return this.currentId === DEVELOPMENT_KEY_ID;
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return { ciphertext: [VERSION, ...parts].join('.'), keyId: this.currentId };
  }

  /** Throws when the key is no longer configured or the ciphertext was altered. */
  open(sealed: SealedSecret, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`The key "${sealed.keyId}" that sealed this secret is not in ${this.variable}`);
    const [version, iv, body, tag] = sealed.ciphertext.split('.');
    if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('Unknown ciphertext format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
