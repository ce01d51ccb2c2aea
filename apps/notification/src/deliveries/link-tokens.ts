import { NotificationTemplate, SealedSecret } from '@gatehouse/contracts';
import { LinkTokenPurpose, LinkTokenSealer } from '@gatehouse/database';
import { Injectable } from '@nestjs/common';

/**
 * A link event as the events stream may hold it. Events published before the secrets of links were sealed
 * carry them in the clear (`token`, no `sealedToken`): they stay in the stream up to 30 days
 * (EVENTS_MAX_AGE_MS) and in deliveries queued before the upgrade, and are still mailed.
 */
export type StoredLinkEvent<T> = Omit<T, 'sealedToken'> & { sealedToken?: SealedSecret; token?: string };

/** The templates whose link carries a secret: what it was sealed for, and whose id it is bound to. */
const LINK_TEMPLATES: Partial<Record<NotificationTemplate, { purpose: LinkTokenPurpose; owner: 'userId' | 'invitationId' }>> = {
  'forgotten-password': { purpose: 'password-reset', owner: 'userId' },
  'admin-password-reset': { purpose: 'password-reset', owner: 'userId' },
  'verify-email': { purpose: 'email-verification', owner: 'userId' },
  invitation: { purpose: 'invitation', owner: 'invitationId' },
};

type LinkData = Record<string, unknown> & { token?: unknown; sealedToken?: SealedSecret };

/**
 * The secrets of emailed links inside notification: a delivery row keeps them sealed with
 * LINK_TOKEN_ENCRYPTION_KEYS (as identity and authorization sealed them in their events), and they are
 * opened only to render the email. One that no listed key opens throws UnreadableLinkToken: the worker
 * gives that delivery up (DEAD) at once, naming the variable.
 */
@Injectable()
export class LinkTokens {
  constructor(private readonly sealer: LinkTokenSealer) {}

  /**
   * What a delivery row keeps of an email's data: a link template's secret sealed (one in the clear, from
   * an event published before sealing, is sealed now); any other template's data without a secret (the
   * notice to the old address of an email change has no link).
   */
  forQueue(template: NotificationTemplate, data: object): object {
    const { token, sealedToken, ...rest } = data as LinkData;
    const link = LINK_TEMPLATES[template];
    if (!link) return rest;
    if (sealedToken) return { ...rest, sealedToken };
    if (typeof token === 'string') return { ...rest, sealedToken: this.sealer.seal(token, link.purpose, String(rest[link.owner])) };
    return rest;
  }

  /** The data a template renders: a link template's secret opened into `token`. */
  forTemplate(template: NotificationTemplate, payload: object): object {
    const link = LINK_TEMPLATES[template];
    if (!link) return payload;
    const { token, sealedToken, ...rest } = payload as LinkData;
    if (sealedToken) return { ...rest, token: this.sealer.open(sealedToken, link.purpose, String(rest[link.owner])) };
    // a delivery queued before the upgrade, from an event with the secret in the clear
    if (typeof token === 'string') return { ...rest, token };
    throw new Error('the data carries no link token (sealedToken)');
  }
}
