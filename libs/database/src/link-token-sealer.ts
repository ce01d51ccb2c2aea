import type { SealedSecret } from '@gatehouse/contracts';
import { FactoryProvider, Logger, Type } from '@nestjs/common';
import { SecretSealer } from './secret-sealer';

/** The keys variable identity, authorization and notification share (docs/configuration.md). */
export const LINK_TOKEN_KEYS_VARIABLE = 'LINK_TOKEN_ENCRYPTION_KEYS';

/** What an emailed link's secret is for; bound, with its owner's id, to the ciphertext. */
export type LinkTokenPurpose = 'password-reset' | 'email-verification' | 'invitation';

/** A sealed link secret that no listed key opens: its key was dropped from the variable, or it was altered. */
export class UnreadableLinkToken extends Error {}

/**
 * The secrets of emailed links (a password reset, an email confirmation, an invitation) between their
 * producer and the email: identity and authorization seal them with LINK_TOKEN_ENCRYPTION_KEYS before
 * they enter the outbox, notification opens them to write the link. The outbox, the events stream and
 * notification's queue so hold ciphertext only, while the producer stores only the secret's hash. Each
 * is bound to its purpose and its owner's id (the user, the invitation): put in another event, it does
 * not open.
 */
export class LinkTokenSealer {
  private readonly sealer: SecretSealer;

  constructor(keys: string) {
    this.sealer = new SecretSealer(keys, LINK_TOKEN_KEYS_VARIABLE, 'link token');
  }

  /** Whether the public development key seals (the variable is empty). */
  get usesDevelopmentKey(): boolean {
    return this.sealer.usesDevelopmentKey;
  }

  seal(token: string, purpose: LinkTokenPurpose, ownerId: string): SealedSecret {
    return this.sealer.seal(token, `${purpose}:${ownerId}`);
  }

  /** Throws UnreadableLinkToken, naming the variable, when no listed key opens it (for this purpose and owner). */
  open(sealed: SealedSecret, purpose: LinkTokenPurpose, ownerId: string): string {
    try {
      return this.sealer.open(sealed, `${purpose}:${ownerId}`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new UnreadableLinkToken(`the link's token (sealed with key "${String(sealed?.keyId)}") does not open with ${LINK_TOKEN_KEYS_VARIABLE}: ${why}`);
    }
  }
}

let warned = false;

/**
 * LinkTokenSealer from a service's LINK_TOKEN_ENCRYPTION_KEYS, for the modules that seal or open link
 * secrets. Unset, the public development key seals: warned once per process (local mode runs the three
 * services in one).
 */
export function linkTokenSealerProvider(envClass: Type<{ LINK_TOKEN_ENCRYPTION_KEYS: string }>): FactoryProvider<LinkTokenSealer> {
  return {
    provide: LinkTokenSealer,
    inject: [envClass],
    useFactory: (env: { LINK_TOKEN_ENCRYPTION_KEYS: string }) => {
      const sealer = new LinkTokenSealer(env.LINK_TOKEN_ENCRYPTION_KEYS);
      if (sealer.usesDevelopmentKey && !warned) {
        warned = true;
        new Logger('LinkTokenSealer').warn(
          `${LINK_TOKEN_KEYS_VARIABLE} is not set: the secrets of emailed links are sealed with the public development key in the outbox and the events stream; set it in production (the same on identity, authorization and notification)`,
        );
      }
      return sealer;
    },
  };
}
