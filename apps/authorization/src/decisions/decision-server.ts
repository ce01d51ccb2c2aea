import { AuthorizationRpc, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { NatsClient } from '@gatehouse/messaging';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Msg, Subscription } from 'nats';
import { parseBatch, parseCheck } from './check-parser';
import { DecisionService } from './decision.service';

const codec = JSONCodec();
const QUEUE = 'authorization';

interface WireRequest {
  id?: string;
  data?: RpcEnvelope;
}

/**
 * Serves `check` and `batchCheck` straight on the process's client connection, in the service's queue
 * group, speaking the NestJS NATS wire format. Two reasons: it shares the connection that receives
 * invalidation broadcasts, so NATS's per-connection ordering guarantees a check never overtakes an
 * invalidation published before it; and it skips the framework's per-message pipeline on the hot path.
 */
@Injectable()
export class DecisionServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DecisionServer');
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly nats: NatsClient, private readonly decisions: DecisionService) {}

  onApplicationBootstrap(): void {
    this.serve(AuthorizationRpc.check.subject, async (data) => {
      const request = await parseCheck(data);
      return this.decisions.decideCached(request) ?? this.decisions.check(request);
    });
    this.serve(AuthorizationRpc.batchCheck.subject, async (data) => this.decisions.checkMany(await parseBatch(data)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
  }

  private serve(subject: string, handle: (data: unknown) => Promise<unknown>): void {
    this.subscriptions.push(
      this.nats.nc.subscribe(subject, {
        queue: QUEUE,
        callback: (error, message) => {
          if (!error) void this.answer(message, handle);
        },
      }),
    );
  }

  private async answer(message: Msg, handle: (data: unknown) => Promise<unknown>): Promise<void> {
    let request: WireRequest = {};
    try {
      request = codec.decode(message.data) as WireRequest;
      const response = await handle(request.data?.data);
      message.respond(codec.encode({ id: request.id, response, isDisposed: true }));
    } catch (error) {
      const problem = error instanceof ProblemException ? error.problem : ProblemException.internal().problem;
      if (!(error instanceof ProblemException)) this.logger.error({ err: error, subject: message.subject }, 'Decision failed');
      message.respond(codec.encode({ id: request.id, err: problem, isDisposed: true }));
    }
  }
}
