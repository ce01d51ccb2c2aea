import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const FIRST_PRUNE_AFTER_MS = 60 * 1000;

/** Rows one statement of a prune deletes at most (its `LIMIT`), so no delete holds many locks or runs long. */
const PRUNE_BATCH = 5000;

/**
 * A retention job: `prune` runs a minute after start, then hourly, one run at a time; the timers do not keep
 * the process alive, and shutdown waits for a run in progress. A failed run is logged (`failure`) and retried
 * at the next. Subclasses give the logger, the message and what one run deletes.
 */
export abstract class HourlyPrune implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly logger: Logger;
  protected abstract readonly failure: string;
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<unknown>;

  abstract prune(): Promise<unknown>;

  onApplicationBootstrap(): void {
    const run = () => {
      this.running ??= this.prune()
        .catch((error: unknown) => this.logger.warn({ err: error }, this.failure))
        .finally(() => (this.running = undefined));
    };
    this.timers = [setTimeout(run, FIRST_PRUNE_AFTER_MS), setInterval(run, PRUNE_EVERY_MS)];
    for (const timer of this.timers) timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.running;
  }
}

/**
 * Deletes the rows of `table` that `where` (a condition on $1…) selects, PRUNE_BATCH at a time, each batch
 * locked `FOR UPDATE SKIP LOCKED` (instances pruning side by side, or a transaction holding a row, are not
 * waited on), until a batch deletes fewer; returns how many rows went in all. `key` names the rows (a column,
 * or several in parentheses).
 */
export async function pruneInBatches(dataSource: DataSource, table: string, key: string, where: string, parameters: unknown[]): Promise<number> {
  const sql = `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key.replace(/^\((.*)\)$/, '$1')} FROM ${table} WHERE ${where} LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`;
  let total = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(sql, parameters)) as [unknown, number];
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}
