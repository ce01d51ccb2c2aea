import { EmailVerificationRequested, EmailVerificationSent, IdentityNotificationEvents } from '@gatehouse/contracts';
import { hashToken, LinkTokenSealer, newOpaqueToken } from '@gatehouse/database';
import { Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdentityEnv } from '../identity.env';

/** What a link does: verify the account's current address, or apply the pending email change. */
export type EmailLinkPurpose = 'VERIFY' | 'CHANGE';

/**
 * Issues email confirmation links: 256 random bits, stored as SHA-256, single use, expiring
 * (EMAIL_VERIFICATION_TOKEN_TTL_SECONDS). A new link makes the user's earlier unused ones void, so only
 * the latest email works. The link reaches the address through `emailVerificationRequested` (outbox →
 * notification's `verify-email`, and `email-change-requested` to the current address on a change), its
 * secret sealed with LINK_TOKEN_ENCRYPTION_KEYS.
 */
@Injectable()
export class EmailLinks {
  constructor(
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
    private readonly linkTokens: LinkTokenSealer,
  ) {}

  async issue(
    manager: EntityManager,
    user: { id: string; username: string },
    email: string,
    purpose: EmailLinkPurpose,
    reason: EmailVerificationRequested['reason'],
    previousEmail: string | null = null,
  ): Promise<EmailVerificationSent> {
    await manager.query(`UPDATE identity.email_verification_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
    const token = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.env.EMAIL_VERIFICATION_TOKEN_TTL_SECONDS * 1000);
    await manager.query(
      `INSERT INTO identity.email_verification_tokens (user_id, email, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [user.id, email, purpose, hashToken(token), expiresAt],
    );
    await this.outbox.add(manager, IdentityNotificationEvents.emailVerificationRequested, {
      userId: user.id, username: user.username, email, sealedToken: this.linkTokens.seal(token, 'email-verification', user.id), expiresAt: expiresAt.toISOString(), reason, previousEmail,
    });
    return { email, expiresAt: expiresAt.toISOString() };
  }

  /** Voids every unused link of the user (an admin set the address, a change was withdrawn). */
  async voidAll(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`UPDATE identity.email_verification_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId]);
  }
}
