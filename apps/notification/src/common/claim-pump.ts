import { Logger } from '@nestjs/common';

/** Reads a timestamp column as ISO text (null stays null). */
export const isoOrNull = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/**
 * The loop both senders (emails, webhooks) run: claim up to the free slots of `concurrency`, handle each
 * claimed item in the background, claim again when one finishes, on every tick of `pollMs` and whenever
 * woken. One pump at a time per instance; stop() waits for the items in flight so their outcome is recorded.
 */
export class ClaimPump<T> {
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly concurrency: number,
    private readonly claim: (limit: number) => Promise<T[]>,
    private readonly handle: (item: T) => Promise<void>,
  ) {}

  start(pollMs: number): void {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
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
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Claiming work failed; will retry'))
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
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const claimed = await this.claim(free);
      for (const item of claimed) {
        const running: Promise<void> = this.handle(item)
          .catch((error: unknown) => this.logger.error({ err: error }, 'Claimed work failed unexpectedly; its lease will expire'))
          .finally(() => {
            this.inFlight.delete(running);
            this.wake();
          });
        this.inFlight.add(running);
      }
      if (claimed.length < free) return;
    }
  }
}
