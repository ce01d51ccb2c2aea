import { IdentityRpc } from '@gatehouse/contracts';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SERVICE } from '../service-name';

const BATCH = 500;
const FIRST_RETRY_MS = 2_000;
const LAST_RETRY_MS = 60_000;

/**
 * Fills in the names of users the read model lacks (`names_pending`, see AuthorizationSubjectNamesPending),
 * asking identity for a batch at a time, in the background from start-up until none is left. Each batch
 * holds its rows (FOR UPDATE SKIP LOCKED), so instances share the work and a subject event for one of
 * them waits for the batch; users identity no longer has are only unmarked (their names stay empty).
 */
@Injectable()
export class SubjectNamesBackfill implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SubjectNamesBackfill');
  private stopped = false;
  private running?: Promise<number>;
  private wake?: () => void;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly rpc: RpcClient) {}

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  /** Until no user is pending (or shutdown): how many users it filled in. Identity unreachable: waits and tries again. */
  async run(): Promise<number> {
    let filled = 0;
    let delay = FIRST_RETRY_MS;
    while (!this.stopped) {
      try {
        const batch = await this.fillBatch();
        if (batch === 0) break;
        filled += batch;
        delay = FIRST_RETRY_MS;
      } catch (error) {
        this.logger.warn({ err: error, retryInMs: delay }, "Could not fill in users' names from identity; will retry");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, LAST_RETRY_MS);
      }
    }
    if (filled > 0) this.logger.log({ users: filled }, "Filled in users' names from identity");
    return filled;
  }

  private fillBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ id: string }> = await manager.query(
        `SELECT id FROM "authorization".subject_facts WHERE names_pending ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      const facts = await this.rpc.internal(SERVICE, IdentityRpc.usersFacts, { ids }, undefined, RETRY_SAFE);
      await manager.query(
        `UPDATE "authorization".subject_facts f
            SET username = n.username, email = n.email, display_name = n.display_name, names_pending = false
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS n(id, username, email, display_name)
          WHERE f.id = n.id`,
        [facts.map((f) => f.id), facts.map((f) => f.username ?? null), facts.map((f) => f.email ?? null), facts.map((f) => f.displayName ?? null)],
      );
      await manager.query(`UPDATE "authorization".subject_facts SET names_pending = false WHERE id = ANY($1::uuid[]) AND names_pending`, [ids]);
      return ids.length;
    });
  }
}
