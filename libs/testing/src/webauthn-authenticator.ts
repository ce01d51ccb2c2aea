import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

type Cbor = number | string | Buffer | Map<Cbor, Cbor>;

/** The little CBOR WebAuthn needs: integers, byte and text strings, maps. */
function cbor(value: Cbor): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

export interface SoftCredentialOptions {
  /** Backup eligible (a synced passkey: `multiDevice`); default false (`singleDevice`). */
  backupEligible?: boolean;
  /** The user handle stored with a discoverable credential. */
  userHandle?: string;
}

/**
 * A software WebAuthn authenticator (ES256, attestation `none`) for unit and HTTP e2e specs: it answers
 * registration and authentication options the way a browser's PublicKeyCredential.toJSON() does, and
 * lets a spec break any part of it (origin, RP id, challenge, counter, signature).
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  signCount = 0;

  constructor(private readonly options: SoftCredentialOptions = {}) {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /** A copy holding the same key (a cloned authenticator): its counter is its own. */
  clone(): SoftAuthenticator {
    const copy = Object.create(SoftAuthenticator.prototype) as SoftAuthenticator;
    Object.assign(copy, { credentialId: this.credentialId, privateKey: this.privateKey, publicKey: this.publicKey, options: this.options, signCount: 0 });
    return copy;
  }

  private authData(rpId: string, flags: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.signCount);
    const be = this.options.backupEligible ? 0x08 | 0x10 : 0;
    return Buffer.concat([sha256(rpId), Buffer.from([flags | be | (attested ? 0x40 : 0)]), count, ...(attested ? [attested] : [])]);
  }

  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    return cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
  }

  /** `navigator.credentials.create()` for `options` (their challenge), from `origin`. */
  register(options: { challenge: string; rp: { id?: string } }, origin: string, overrides: { rpId?: string; type?: string } = {}): Record<string, unknown> {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(origin).hostname;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: overrides.type ?? 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.coseKey()]);
    const authData = this.authData(rpId, 0x01 | 0x04, attested);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** `navigator.credentials.get()` for `options`, from `origin`; the counter moves forward unless `signCount` says otherwise. */
  authenticate(
    options: { challenge: string; rpId?: string },
    origin: string,
    overrides: { rpId?: string; userVerified?: boolean; signCount?: number; badSignature?: boolean } = {},
  ): Record<string, unknown> {
    this.signCount = overrides.signCount ?? this.signCount + 1;
    const rpId = overrides.rpId ?? options.rpId ?? new URL(origin).hostname;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
    const authData = this.authData(rpId, 0x01 | (overrides.userVerified === false ? 0 : 0x04));
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    if (overrides.badSignature) signature[signature.length - 1] ^= 0xff;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.options.userHandle ? { userHandle: b64url(Buffer.from(this.options.userHandle)) } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
