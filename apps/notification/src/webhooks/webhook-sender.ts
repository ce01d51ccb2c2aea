import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { NotificationEnv } from '../notification.env';
import { DestinationPolicy } from '@gatehouse/service-runtime';

/** What the receiver answered, or why no answer came. */
export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface SignedRequest {
  url: string;
  /** The `webhook-id`: stable across attempts and redeliveries. */
  webhookId: string;
  body: string;
  /** `whsec_...` */
  secret: string;
}

/** Kept of a receiver's answer: enough to drain the socket, nothing is stored. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Standard Webhooks headers for one attempt: the signature covers `id.timestamp.body` (HMAC-SHA256, base64). */
export function signedHeaders(request: SignedRequest, at: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Gatehouse-Webhooks/1',
    'webhook-id': request.webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(request.secret).sign(request.webhookId, at, request.body),
  };
}

/**
 * Sends one signed delivery over HTTPS (http only to loopback with WEBHOOK_ALLOW_HTTP_LOOPBACK). Every
 * address the host resolves to passes DestinationPolicy before a connection is opened; redirects are not
 * followed (a 3xx is a failed attempt); WEBHOOK_TIMEOUT_MS bounds the whole attempt; receivers' TLS
 * certificates are verified against Node's roots plus WEBHOOK_CA_FILE.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  readonly policy: DestinationPolicy;
  private readonly https: HttpsAgent;
  private readonly http: HttpAgent;

  constructor(private readonly env: NotificationEnv) {
    this.policy = new DestinationPolicy(env.WEBHOOK_ALLOWED_NETWORKS, env.WEBHOOK_ALLOW_HTTP_LOOPBACK);
    let extraCa: string[] = [];
    if (env.WEBHOOK_CA_FILE) {
      try {
        extraCa = [readFileSync(env.WEBHOOK_CA_FILE, 'utf8')];
      } catch (error) {
        throw new Error(`WEBHOOK_CA_FILE: cannot read ${env.WEBHOOK_CA_FILE}: ${(error as Error).message}`);
      }
    }
    const lookup = this.guardedLookup();
    this.https = new HttpsAgent({ keepAlive: true, maxSockets: env.WEBHOOK_CONCURRENCY, ca: [...rootCertificates, ...extraCa], lookup } as never);
    this.http = new HttpAgent({ keepAlive: true, maxSockets: env.WEBHOOK_CONCURRENCY, lookup } as never);
  }

  async send(request: SignedRequest, at: Date = new Date()): Promise<SendOutcome> {
    const started = Date.now();
    const done = (statusCode: number | null, error: string | null): SendOutcome => ({
      ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
      statusCode,
      error: error ?? (statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `the receiver answered ${statusCode}` : null),
      durationMs: Date.now() - started,
    });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return done(null, 'the URL is not valid');
    }
    const problem = this.policy.urlProblem(request.url);
    if (problem) return done(null, problem);
    const headers = signedHeaders(request, at);
    return new Promise<SendOutcome>((resolve) => {
      const secure = url.protocol === 'https:';
      const options = {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: secure ? this.https : this.http,
        signal: AbortSignal.timeout(this.env.WEBHOOK_TIMEOUT_MS),
        servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? url.hostname : undefined,
      };
      const req = (secure ? httpsRequest : httpRequest)(url, options, (response) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('end', () => resolve(done(response.statusCode ?? null, null)));
        response.on('close', () => resolve(done(response.statusCode ?? null, null)));
        response.on('error', () => resolve(done(response.statusCode ?? null, null)));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
        resolve(done(null, timedOut ? `no answer within ${this.env.WEBHOOK_TIMEOUT_MS} ms` : describe(error)));
      });
      req.end(request.body);
    });
  }

  onApplicationShutdown(): void {
    this.https.destroy();
    this.http.destroy();
  }

  /** dns.lookup, refusing the connection when any address of the name is refused by the policy. */
  private guardedLookup(): LookupFunction {
    return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error);
        const refused = addresses.map((a) => this.policy.addressRefusal(a.address)).find((r) => r !== null);
        if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: 'EREFUSEDADDRESS' }));
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      });
    }) as LookupFunction;
  }
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'EREFUSEDADDRESS') return error.message;
  const code = error.code ? `${error.code}: ` : '';
  return `${code}${error.message}`.slice(0, 500);
}
