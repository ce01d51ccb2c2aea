import { UnreadableLinkToken } from '@gatehouse/database';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MailTransport, PermanentMailError } from '../mail/mail-transport';
import { renderEmail, RenderedEmail } from '../mail/templates';
import { ClaimPump } from '../common/claim-pump';
import { NotificationEnv } from '../notification.env';
import { ClaimedDelivery, DeliveryQueue } from './delivery-queue';
import { LinkTokens } from './link-tokens';

/**
 * Sends due deliveries, up to DELIVERY_CONCURRENCY at a time per instance. Polls every
 * DELIVERY_POLL_MS and is woken at once when an event queued new mail. A row is marked SENT only after
 * SMTP accepted it; a crash in between leaves it SENDING until its lease expires, then it is sent again
 * with the same Message-ID.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryWorker');
  private readonly pump: ClaimPump<ClaimedDelivery>;
  private readonly baseUrl: string;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly mail: MailTransport,
    private readonly env: NotificationEnv,
    private readonly linkTokens: LinkTokens,
  ) {
    this.baseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
    this.pump = new ClaimPump(this.logger, env.DELIVERY_CONCURRENCY, (limit) => this.queue.claim(limit), (delivery) => this.deliver(delivery));
  }

  onApplicationBootstrap(): void {
    this.logger.log(`Delivering email via ${this.mail.describe()}`);
    this.pump.start(this.env.DELIVERY_POLL_MS);
  }

  /** Stop claiming, and let the sends in flight finish so their outcome is recorded. */
  beforeApplicationShutdown(): Promise<void> {
    return this.pump.stop();
  }

  wake(): void {
    this.pump.wake();
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let email: RenderedEmail;
    try {
      email = renderEmail(delivery.template, this.linkTokens.forTemplate(delivery.template, delivery.payload), { baseUrl: this.baseUrl });
    } catch (error) {
      // Permanent either way: no later attempt renders it (a link token no listed key opens stays so).
      const why = error instanceof UnreadableLinkToken ? error.message : `template ${delivery.template} could not be rendered: ${String(error)}`;
      return this.failed(delivery, why, true);
    }
    try {
      await this.mail.send({
        to: delivery.recipient,
        ...email,
        messageId: delivery.messageId,
        headers: { 'X-Gatehouse-Delivery': delivery.id, 'X-Gatehouse-Template': delivery.template },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failed(delivery, message, error instanceof PermanentMailError);
    }
    await this.queue.markSent(delivery).catch((error: unknown) =>
      this.logger.error({ err: error, delivery: delivery.id }, 'Email sent but not recorded; it may be sent again with the same Message-ID'),
    );
  }

  private async failed(delivery: ClaimedDelivery, error: string, permanent: boolean): Promise<void> {
    const status = await this.queue.markFailed(delivery, error, permanent).catch((e: unknown) => {
      this.logger.warn({ err: e, delivery: delivery.id }, 'Could not record a failed attempt; the lease will expire');
      return 'FAILED';
    });
    this.logger.warn({ delivery: delivery.id, template: delivery.template, attempt: delivery.attempts, status, error }, 'Email not sent');
  }
}
