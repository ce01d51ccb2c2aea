import { CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, IdentityRpc } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';
import { GatewayEnv } from '../gateway.env';
import { CredentialCache } from './credential-cache';

const codec = JSONCodec<CredentialsRevoked>();
const RELOAD_RETRY_MS = 2000;

/**
 * Sessions ended by identity (logout, reuse detection, disable, delete, password reset) whose access
 * tokens may still be unexpired. identity broadcasts each revocation (core NATS, flushed before it
 * answers the request that caused it), so the very next request with such a token is refused. The
 * gateway also loads the recent ones (in pages): at start-up, when a lost NATS connection comes back, and
 * every REVOCATIONS_RELOAD_SECONDS (for a broadcast lost with the identity instance that committed the
 * revocation). Entries are forgotten once every token of the session has expired.
 */
@Injectable()
export class RevocationList implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationList');
  private readonly sessions = new Map<string, number>();
  private subscription?: Subscription;
  private retry?: NodeJS.Timeout;
  private reloadTimer?: NodeJS.Timeout;
  private lastPrune = 0;

  constructor(
    private readonly nats: NatsClient,
    private readonly rpc: RpcClient,
    private readonly cache: CredentialCache,
    private readonly env: GatewayEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.nc.subscribe(IDENTITY_CREDENTIALS_REVOKED_SUBJECT, {
      callback: (error, message) => {
        if (error) return;
        try {
          this.apply(codec.decode(message.data), Date.now());
        } catch (decodeError) {
          this.logger.warn({ err: decodeError }, 'Ignoring a malformed revocation message');
        }
      },
    });
    void this.loadRecent();
    // Revocations broadcast while this gateway was cut off from NATS never arrive: catch up from identity.
    this.nats.onReconnect(() => {
      this.cache.clear();
      return this.loadRecent();
    });
    if (this.env.REVOCATIONS_RELOAD_SECONDS > 0) {
      this.reloadTimer = setInterval(() => void this.loadRecent({ retry: false }), this.env.REVOCATIONS_RELOAD_SECONDS * 1000);
      this.reloadTimer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
    clearInterval(this.reloadTimer);
    this.subscription?.unsubscribe();
  }

  isSessionRevoked(sessionId: string | undefined): boolean {
    return !!sessionId && this.sessions.has(sessionId);
  }

  apply(revoked: CredentialsRevoked, at: number): void {
    for (const id of revoked.sessionIds ?? []) this.sessions.set(id, at);
    this.cache.drop(revoked.subjectIds ?? [], revoked.tokenIds ?? []);
    this.prune();
  }

  private async loadRecent(options = { retry: true }): Promise<void> {
    try {
      let after: string | undefined;
      do {
        const page = await this.rpc.internal(GATEWAY, IdentityRpc.recentRevocations, after ? { after } : {});
        for (const session of page.sessions) if (!this.sessions.has(session.id)) this.sessions.set(session.id, session.at);
        after = page.next;
      } while (after);
    } catch (error) {
      if (!options.retry) {
        this.logger.warn({ err: error }, 'Could not reload recent revocations from identity');
        return;
      }
      this.logger.warn({ err: error }, 'Could not load recent revocations from identity yet; retrying');
      clearTimeout(this.retry);
      this.retry = setTimeout(() => void this.loadRecent(), RELOAD_RETRY_MS);
      this.retry.unref();
    }
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const horizon = now - (this.env.ACCESS_TOKEN_MAX_TTL_SECONDS + 60) * 1000;
    for (const [id, at] of this.sessions) if (at < horizon) this.sessions.delete(id);
  }
}
