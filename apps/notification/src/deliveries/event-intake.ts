import { EventConsumers } from '@gatehouse/durable-events';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { renderEmail } from '../mail/templates';
import { NotificationEnv } from '../notification.env';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryWorker } from './delivery-worker';
import { EMAIL_EVENTS } from './email-events';
import { LinkTokens } from './link-tokens';

/**
 * One durable consumer per email-triggering event. Handling an event only queues its deliveries, in
 * the transaction that records the event id, and acks; sending is the worker's job, so a slow or
 * absent SMTP server never holds JetStream messages. A queued link's secret stays sealed (LinkTokens).
 */
@Injectable()
export class EventIntake implements OnModuleInit {
  private readonly logger = new Logger('EventIntake');

  constructor(
    private readonly consumers: EventConsumers,
    private readonly queue: DeliveryQueue,
    private readonly worker: DeliveryWorker,
    private readonly env: NotificationEnv,
    private readonly linkTokens: LinkTokens,
  ) {}

  onModuleInit(): void {
    const ctx = { baseUrl: this.env.PUBLIC_BASE_URL.replace(/\/+$/, '') };
    for (const emailEvent of EMAIL_EVENTS) {
      this.consumers.on(emailEvent.definition, emailEvent.consumer, async (data, manager, event) => {
        let queued = 0;
        const emails = data && typeof data === 'object' ? emailEvent.emails(data) : [];
        for (const email of emails) {
          const payload = this.linkTokens.forQueue(email.template, email.data);
          let subject = `(${email.template})`;
          try {
            subject = renderEmail(email.template, this.linkTokens.forTemplate(email.template, payload), ctx).subject;
          } catch (error) {
            // queued anyway: the worker records it as DEAD with the error, so it shows in the delivery log
            this.logger.error({ err: error, eventId: event.id, template: email.template }, 'Event data cannot be rendered with its template');
          }
          if (await this.queue.enqueue(manager, event, { ...email, data: payload, subject })) queued += 1;
        }
        return queued > 0 ? () => this.worker.wake() : undefined;
      });
    }
  }
}
