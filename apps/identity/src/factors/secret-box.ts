import { SecretSealer } from '@gatehouse/database';
import { Injectable, Logger } from '@nestjs/common';
import { IdentityEnv } from '../identity.env';

/** TOTP seeds sealed with MFA_ENCRYPTION_KEYS (AES-256-GCM, the user id bound as additional data). */
@Injectable()
export class SecretBox extends SecretSealer {
  constructor(env: IdentityEnv) {
    super(env.MFA_ENCRYPTION_KEYS, 'MFA_ENCRYPTION_KEYS', 'MFA');
    if (this.usesDevelopmentKey) {
      new Logger('SecretBox').warn('MFA_ENCRYPTION_KEYS is not set: TOTP secrets are encrypted with the public development key; set it in production');
    }
  }
}
