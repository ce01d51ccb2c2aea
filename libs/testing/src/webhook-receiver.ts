import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IncomingHttpHeaders } from 'node:http';
import { createServer, Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** One request the receiver got, as it came (the raw body is what the signature covers). */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: Date;
}

/**
 * A real HTTPS webhook receiver for tests (node:https) with a self-signed certificate for 127.0.0.1 and
 * localhost made by the openssl command at start: the system under test trusts it through `caFile`
 * (WEBHOOK_CA_FILE). It records every request, answers `status` (200), and can be stopped and started
 * again on the same port to play an outage.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** The answer to every request (e.g. 500 to play a failing receiver), unless `statusFor` names its path. */
  status = 200;
  readonly statusFor = new Map<string, number>();
  /** How long each answer waits (a slow receiver spreads a burst over time). */
  delayMs = 0;
  private server?: Server;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly key: string,
    private readonly cert: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-webhook-receiver-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=Gatehouse test webhook receiver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'pipe' });
    const receiver = new WebhookReceiver(await freePort(), dir, readFileSync(join(dir, 'key.pem'), 'utf8'), readFileSync(join(dir, 'cert.pem'), 'utf8'));
    await receiver.resume();
    return receiver;
  }

  /** The certificate, to trust as a CA (WEBHOOK_CA_FILE). */
  get caFile(): string {
    return join(this.dir, 'cert.pem');
  }

  url(path = '/hooks'): string {
    return `https://127.0.0.1:${this.port}${path}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  receivedAt(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async resume(): Promise<void> {
    if (this.server) return;
    const server = createServer({ key: this.key, cert: this.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: new Date() });
        const status = this.statusFor.get(path) ?? this.status;
        setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no'), this.delayMs);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Closes the port (connections refused) until resume(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
