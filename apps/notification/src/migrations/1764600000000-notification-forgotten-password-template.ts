import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One name per concept: the email of a forgotten-password link is the `forgotten-password` template (it
 * was `password-reset`), and its event's reason FORGOTTEN_PASSWORD (it was FORGOT_PASSWORD). Rewrites
 * the delivery log, so a queued email still renders, the log filters by today's name, and an old event
 * redelivered by the stream still finds its (event, template) row and is not sent twice.
 */
export class NotificationForgottenPasswordTemplate1764600000000 implements MigrationInterface {
  name = 'NotificationForgottenPasswordTemplate1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE notification.deliveries SET template = 'forgotten-password',
      payload = CASE WHEN payload->>'reason' = 'FORGOT_PASSWORD' THEN jsonb_set(payload, '{reason}', '"FORGOTTEN_PASSWORD"') ELSE payload END
      WHERE template = 'password-reset'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE notification.deliveries SET template = 'password-reset',
      payload = CASE WHEN payload->>'reason' = 'FORGOTTEN_PASSWORD' THEN jsonb_set(payload, '{reason}', '"FORGOT_PASSWORD"') ELSE payload END
      WHERE template = 'forgotten-password'`);
  }
}
