import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports';

export interface SmtpCatcherOptions {
  /** Where each received message is stored as an .eml file (default: a new temporary directory). */
  dir?: string;
  /** Default: a free port. */
  port?: number;
  host?: string;
  /**
   * Hold each recipient (RCPT TO) this long, to spread a burst over time. Applied before DATA, so a
   * client that dies meanwhile has not handed over a message.
   */
  rcptDelayMs?: number;
}

/** One received message, parsed. */
export interface CaughtMail {
  file: string;
  /** Envelope recipients (the `Delivered-To` lines the catcher adds, as a real MTA does). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
  /** Every http(s) URL in the plain-text body. */
  links: string[];
}

/**
 * A real SMTP server for tests (the `smtp-server` package, no TLS or auth) that stores every accepted
 * message as an .eml file in `dir`. It can be stopped and started again on the same port to play an
 * SMTP outage, or told to answer 451 (temporary failure) while still listening.
 */
export class SmtpCatcher {
  private server?: SMTPServer;
  private counter = 0;
  /** While set, every message is refused with this temporary error (451). */
  tempFailure: string | null = null;

  private constructor(readonly dir: string, readonly host: string, readonly port: number, private readonly rcptDelayMs: number) {}

  static async start(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
    const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'gatehouse-mail-')));
    mkdirSync(dir, { recursive: true });
    const catcher = new SmtpCatcher(dir, options.host ?? '127.0.0.1', options.port ?? (await freePort()), options.rcptDelayMs ?? 0);
    await catcher.resume();
    return catcher;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening (again) on the same port. */
  async resume(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 100,
      size: 10 * 1024 * 1024,
      onRcptTo: (_address, _session, callback) => {
        if (this.rcptDelayMs > 0) setTimeout(() => callback(), this.rcptDelayMs);
        else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (error) => callback(error));
        stream.on('end', () => {
          if (this.tempFailure !== null) {
            callback(Object.assign(new Error(this.tempFailure), { responseCode: 451 }));
            return;
          }
          try {
            this.store(session.envelope, Buffer.concat(chunks));
            callback();
          } catch (error) {
            callback(Object.assign(error as Error, { responseCode: 451 }));
          }
        });
      },
    });
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  /** Stops listening and drops open connections: clients see the server as down. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((r) => server.close(() => r()));
  }

  messages(): Promise<CaughtMail[]> {
    return readCaughtMail(this.dir);
  }

  waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail> {
    return waitForMail(this.dir, predicate, timeoutMs);
  }

  private store(envelope: { mailFrom: { address: string } | false; rcptTo: Array<{ address: string }> }, data: Buffer): void {
    const trace = [
      `Return-Path: <${envelope.mailFrom ? envelope.mailFrom.address : ''}>`,
      ...envelope.rcptTo.map((r) => `Delivered-To: ${r.address}`),
    ].join('\r\n');
    this.counter += 1;
    const name = `${Date.now()}-${String(this.counter).padStart(6, '0')}-${randomBytes(3).toString('hex')}.eml`;
    const path = join(this.dir, name);
    writeFileSync(`${path}.tmp`, Buffer.concat([Buffer.from(`${trace}\r\n`), data]));
    renameSync(`${path}.tmp`, path);
  }
}

const parsed = new Map<string, CaughtMail>();

async function parseFile(file: string): Promise<CaughtMail> {
  const cached = parsed.get(file);
  if (cached) return cached;
  // loaded on first use: the unit specs that use this lib never pay for it
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(readFileSync(file));
  const headers: Record<string, string> = {};
  for (const line of mail.headerLines) {
    const value = line.line.slice(line.line.indexOf(':') + 1).trim();
    headers[line.key] = headers[line.key] ? `${headers[line.key]}, ${value}` : value;
  }
  const text = mail.text ?? '';
  const result: CaughtMail = {
    file,
    to: mail.headerLines.filter((h) => h.key === 'delivered-to').map((h) => h.line.slice(h.line.indexOf(':') + 1).trim().toLowerCase()),
    from: mail.from?.text ?? '',
    subject: mail.subject ?? '',
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    messageId: mail.messageId ?? '',
    headers,
    links: text.match(/https?:\/\/[^\s<>"']+/g) ?? [],
  };
  parsed.set(file, result);
  return result;
}

/** Every message stored in `dir` so far, oldest first. */
export async function readCaughtMail(dir: string): Promise<CaughtMail[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(files.map((f) => parseFile(join(dir, f))));
}

/** Polls `dir` until a message matches `predicate`. */
export async function waitForMail(dir: string, predicate: (mail: CaughtMail) => boolean, timeoutMs = 15_000): Promise<CaughtMail> {
  const [mail] = await waitForMails(dir, predicate, 1, timeoutMs);
  return mail;
}

/** Polls `dir` until at least `count` messages match `predicate`; returns all matching ones. */
export async function waitForMails(
  dir: string,
  predicate: (mail: CaughtMail) => boolean,
  count: number,
  timeoutMs = 15_000,
): Promise<CaughtMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = (await readCaughtMail(dir)).filter(predicate);
    if (matching.length >= count) return matching;
    if (Date.now() > deadline) {
      throw new Error(`expected ${count} matching email(s) in ${dir} within ${timeoutMs} ms, found ${matching.length}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `token` query parameter of the first link in `mail` whose path ends with `pathSuffix`. */
export function tokenFromLink(mail: CaughtMail, pathSuffix: string): string {
  for (const link of mail.links) {
    const url = new URL(link);
    if (url.pathname.endsWith(pathSuffix) && url.searchParams.get('token')) return url.searchParams.get('token') as string;
  }
  throw new Error(`no link to ${pathSuffix} with a token in "${mail.subject}": ${mail.links.join(', ')}`);
}
