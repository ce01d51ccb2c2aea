import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const FIRST_PRUNE_AFTER_MS = 60 * 1000;

/** Rows one statement of a prune deletes at most (its `LIMIT`), so no delete holds many locks or runs long. */
export const PRUNE_BATCH = 5000;

/**
 * When a retention job runs: a minute after start, then hourly, one run at a time; the timers do not keep
 * the process alive, and stop() waits for a run in progress. A failed run is logged and retried at the next.
 */
export class HourlyPrune {
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<unknown>;

  constructor(
    private readonly logger: Logger,
    private readonly failure: string,
    private readonly prune: () => Promise<unknown>,
  ) {}

  start(): void {
    const run = () => {
      this.running ??= this.prune()
        .catch((error: unknown) => this.logger.warn({ err: error }, this.failure))
        .finally(() => (this.running = undefined));
    };
    this.timers = [setTimeout(run, FIRST_PRUNE_AFTER_MS), setInterval(run, PRUNE_EVERY_MS)];
    for (const timer of this.timers) timer.unref();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.running;
  }
}

/** Runs a DELETE of at most PRUNE_BATCH rows until one deletes fewer; returns how many rows went in all. */
export async function deleteInBatches(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(sql, parameters)) as [unknown, number];
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}
