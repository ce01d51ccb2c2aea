import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { NotificationEnv } from '../notification.env';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<id@domain>`, the same on every attempt. */
  messageId: string;
  headers: Record<string, string>;
}

/** A failure SMTP will not change its mind about (e.g. the recipient was refused with a 5xx). */
export class PermanentMailError extends Error {}

/**
 * Hands one email to SMTP (nodemailer, pooled connections) or, with no SMTP_HOST, writes it as an
 * .eml file to MAIL_DIR. `send` resolves only once the server accepted the message (or the file is
 * in place), and rejects after SMTP_TIMEOUT_MS at the latest.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter;
  private readonly mailDir: string | null;

  constructor(private readonly env: NotificationEnv) {
    if (env.SMTP_HOST) {
      this.mailDir = null;
      this.transporter = createTransport({
        pool: true,
        maxConnections: env.DELIVERY_CONCURRENCY,
        maxMessages: 100,
        host: env.SMTP_HOST,
        port: env.SMTP_PORT,
        secure: env.SMTP_SECURE,
        requireTLS: !env.SMTP_SECURE && env.SMTP_STARTTLS === 'required',
        ignoreTLS: !env.SMTP_SECURE && env.SMTP_STARTTLS === 'never',
        auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD } : undefined,
        tls: { rejectUnauthorized: env.SMTP_TLS_REJECT_UNAUTHORIZED },
        connectionTimeout: env.SMTP_TIMEOUT_MS,
        greetingTimeout: env.SMTP_TIMEOUT_MS,
        socketTimeout: env.SMTP_TIMEOUT_MS,
      });
    } else {
      this.mailDir = resolve(env.MAIL_DIR);
      mkdirSync(this.mailDir, { recursive: true });
      this.transporter = createTransport({ streamTransport: true, buffer: true });
      this.logger.warn(`SMTP_HOST is not set: emails are written as .eml files to ${this.mailDir}`);
    }
  }

  describe(): string {
    return this.mailDir ? `files in ${this.mailDir}` : `smtp://${this.env.SMTP_HOST}:${this.env.SMTP_PORT}`;
  }

  async send(email: OutgoingEmail): Promise<void> {
    const message = {
      from: this.env.MAIL_FROM,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
      headers: { 'Auto-Submitted': 'auto-generated', ...email.headers },
      signal: AbortSignal.timeout(this.env.SMTP_TIMEOUT_MS),
    };
    if (!this.mailDir) {
      try {
        await this.transporter.sendMail(message);
      } catch (error) {
        const e = error as { code?: string; responseCode?: number };
        if (e.code === 'EENVELOPE' && (e.responseCode ?? 0) >= 500) throw new PermanentMailError((error as Error).message);
        throw error;
      }
      return;
    }
    const info = (await this.transporter.sendMail(message)) as { message: Buffer };
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${email.messageId.replace(/[^\w.-]/g, '')}.eml`;
    const path = join(this.mailDir, name);
    writeFileSync(`${path}.tmp`, info.message);
    renameSync(`${path}.tmp`, path);
    this.logger.log({ to: email.to, subject: email.subject, path }, `Email written to ${path}`);
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
