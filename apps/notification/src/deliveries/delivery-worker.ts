import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MailTransport, PermanentMailError } from '../mail/mail-transport';
import { renderEmail, RenderedEmail } from '../mail/templates';
import { NotificationEnv } from '../notification.env';
import { ClaimedDelivery, DeliveryQueue } from './delivery-queue';

/**
 * Sends due deliveries, up to DELIVERY_CONCURRENCY at a time per instance. Polls every
 * DELIVERY_POLL_MS and is woken at once when an event queued new mail. A row is marked SENT only after
 * SMTP accepted it; a crash in between leaves it SENDING until its lease expires, then it is sent again
 * with the same Message-ID.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryWorker');
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private stopped = false;
  private readonly baseUrl: string;

  constructor(private readonly queue: DeliveryQueue, private readonly mail: MailTransport, private readonly env: NotificationEnv) {
    this.baseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  }

  onApplicationBootstrap(): void {
    this.logger.log(`Delivering email via ${this.mail.describe()}`);
    this.timer = setInterval(() => this.wake(), this.env.DELIVERY_POLL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Stop claiming, and let the sends in flight finish so their outcome is recorded. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Claiming deliveries failed; will retry'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const free = this.env.DELIVERY_CONCURRENCY - this.inFlight.size;
      if (free <= 0) return;
      const claimed = await this.queue.claim(free);
      for (const delivery of claimed) {
        const sending: Promise<void> = this.deliver(delivery).finally(() => {
          this.inFlight.delete(sending);
          this.wake();
        });
        this.inFlight.add(sending);
      }
      if (claimed.length < free) return;
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let email: RenderedEmail;
    try {
      email = renderEmail(delivery.template, delivery.payload, { baseUrl: this.baseUrl });
    } catch (error) {
      return this.failed(delivery, `template ${delivery.template} could not be rendered: ${String(error)}`, true);
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
