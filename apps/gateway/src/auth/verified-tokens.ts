import { Caller } from '@gatehouse/contracts';

const MAX_ENTRIES = 20_000;

type VerifiedCaller = Omit<Caller, 'ip'>;

interface Entry {
  caller: VerifiedCaller;
  /** The token's `exp`, in epoch ms. */
  expiresAt: number;
}

/**
 * Access tokens whose signature and claims were already verified, until they expire. A JWT cannot
 * change, so checking its signature once per gateway process is enough; what can change (a revoked
 * session) is still checked on every request by the caller of this cache. Saves the EdDSA verification
 * (the largest CPU cost per proxied request) for a client that reuses its token.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  get(token: string, now = Date.now()): VerifiedCaller | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.caller;
  }

  set(token: string, caller: VerifiedCaller, expiresAtSeconds: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { caller, expiresAt: expiresAtSeconds * 1000 });
  }
}
