import { Caller, Problem, RpcEnvelope } from '@gatehouse/contracts';
import { actorOf, AuditInput, AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { traceContext } from '@gatehouse/logging';
import { idempotentRun } from '@gatehouse/messaging';
import { BeforeApplicationShutdown, CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, OnModuleInit } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { catchError, Observable, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { AuthorizationEnv } from '../authorization.env';
import { SERVICE } from '../service-name';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { isGuardRefusal } from './grant-guard';
import { refusalTarget, SUBJECT_TARGET } from './refusal-targets';

const WINDOW_MS = 60_000;
const SWEEP_MS = 10_000;
/** Entries being written at once: past it (a database too slow for a burst), refusals are counted, as past the rate. */
const MAX_PENDING_WRITES = 64;
const DETAIL_MAX = 500;

/** One refusal as its request carried it. */
export interface Refusal {
  caller: Caller | null;
  /** The request's tenant: null = the default tenant, undefined = instance level. */
  tenantId: string | null | undefined;
  /** The NATS subject of the refused request. */
  operation: string;
  /** The request's data: only the field naming its target is read. */
  data: unknown;
  problem: Problem;
  /** The client's address as the gateway saw it (an anonymous request's only trace). */
  ip?: string;
  requestId?: string;
}

/** An actor's refusals in one tenant within a minute. */
interface Window {
  start: number;
  recorded: number;
  suppressed: number;
  /** The latest refusal not recorded by itself: the summary entry describes it. */
  last?: Refusal;
}

/**
 * The grant guard's refusals in the audit trail (docs/access-model.md, "Refusals in the audit trail"). The
 * change a refusal stops rolls back with its own audit entry, so this writes one ACCESS_REFUSED entry of its
 * own, through the outbox (durable, to tenancy's trail and the webhooks), after the refused request's
 * transaction has ended. As the innermost interceptor of the service's handlers (AUTHORIZATION_SERVICE), it
 * sees each refusal once, in the process whose guard made it; a replay of a keyed request's stored refusal
 * never reaches it. Identity's questions to the guard are refused here too: identity records none.
 *
 * Never in the refusal's way: the answer leaves at once, the entry is written meanwhile, and a failed write
 * is logged. An actor can cause refusals at will, so at most ACCESS_REFUSED_AUDIT_PER_MINUTE entries are
 * written per actor and tenant per minute (per instance); the refusals past it are counted and recorded, when
 * the minute ends, as one entry describing the last of them with `details.suppressed` (their number).
 */
@Injectable()
export class RefusalAudit implements NestInterceptor, OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RefusalAudit');
  private readonly windows = new Map<string, Window>();
  private readonly writes = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly subjects: SubjectFactsService,
    private readonly env: AuthorizationEnv,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (isGuardRefusal(error)) {
          const envelope = context.switchToRpc().getData() as RpcEnvelope;
          const operation = (context.switchToRpc().getContext() as NatsContext).getSubject?.() ?? 'unknown';
          this.record({
            caller: envelope.caller ?? null, tenantId: envelope.tenantId, operation, data: envelope.data, problem: error.problem, ip: envelope.ip,
            requestId: traceContext.current()?.requestId,
          });
        }
        return throwError(() => error);
      }),
    );
  }

  /** Counts the refusal and writes its entry unless the actor is past its rate. Never throws, never waits. */
  record(refusal: Refusal): void {
    try {
      // An internal service's question (a webhook owner's right, asked before each delivery) is no request refused.
      if (refusal.caller?.type === 'SERVICE') return;
      const now = Date.now();
      const key = keyOf(refusal);
      let window = this.windows.get(key);
      if (window && now - window.start >= WINDOW_MS) {
        this.close(key, window);
        window = undefined;
      }
      if (!window) {
        window = { start: now, recorded: 0, suppressed: 0 };
        this.windows.set(key, window);
      }
      if (window.recorded < this.env.ACCESS_REFUSED_AUDIT_PER_MINUTE && this.writes.size < MAX_PENDING_WRITES) {
        window.recorded += 1;
        this.write(refusal);
      } else {
        window.suppressed += 1;
        window.last = refusal;
      }
    } catch (error) {
      this.logger.warn({ err: error, rule: refusal.problem['rule'] }, 'Could not record a refusal in the audit trail');
    }
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** Before the database pool closes: the minute's counts are written, and every entry under way finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.sweep(Infinity);
    await this.idle();
  }

  /** Once the entries under way are written (or their failure logged). */
  async idle(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  /** Closes the windows whose minute is over (all of them: `age` Infinity). */
  private sweep(age = WINDOW_MS): void {
    const now = Date.now();
    for (const [key, window] of this.windows) {
      if (age === Infinity || now - window.start >= age) this.close(key, window);
    }
  }

  private close(key: string, window: Window): void {
    this.windows.delete(key);
    if (window.last) this.write(window.last, { suppressed: window.suppressed, since: new Date(window.start).toISOString() });
  }

  private write(refusal: Refusal, summary?: { suppressed: number; since: string }): void {
    // Not the keyed request's outcome: the entry must not claim its Idempotency-Key as a change made.
    const writing = idempotentRun.outside(async () => {
      const input = await this.entryOf(refusal, summary);
      // An anonymous request (an invitation accepted without an account): the entry keeps its address.
      const caller: Caller = refusal.caller ?? { type: 'SERVICE', id: SERVICE, via: 'internal', ...(refusal.ip ? { ip: refusal.ip } : {}) };
      await this.audit.record(this.dataSource.manager, caller, refusal.caller ? input : { ...input, actor: { type: 'ANONYMOUS', id: null } });
      void this.outbox.flush();
    }).catch((error: unknown) => {
      this.logger.warn({ err: error, rule: refusal.problem['rule'], operation: refusal.operation }, 'Could not record a refusal in the audit trail');
    });
    this.writes.add(writing);
    void writing.finally(() => this.writes.delete(writing));
  }

  private async entryOf(refusal: Refusal, summary?: { suppressed: number; since: string }): Promise<AuditInput> {
    const target = refusalTarget(refusal.operation, refusal.data);
    // A subject identity no longer knows (or cannot tell now) is named a user: the entry is written all the same.
    const resourceType = target.resourceType === SUBJECT_TARGET
      ? ((target.resourceId && (await this.subjects.get(target.resourceId).catch(() => null))?.type) ?? 'USER')
      : target.resourceType;
    const detail = refusal.problem.detail ?? refusal.problem.title;
    return {
      tenantId: refusal.tenantId,
      type: 'ACCESS_REFUSED',
      resourceType,
      resourceId: target.resourceId,
      details: {
        rule: refusal.problem['rule'],
        detail: detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}…` : detail,
        operation: refusal.operation,
        ...(refusal.requestId ? { requestId: refusal.requestId } : {}),
        ...summary,
      },
    };
  }
}

/** Who was refused where: the rate's unit. Anonymous requests (an invitation accepted without an account) by address. */
function keyOf(refusal: Refusal): string {
  const actor = actorOf(refusal.caller);
  const tenant = refusal.tenantId === undefined ? '(instance)' : (refusal.tenantId ?? '(default)');
  return `${tenant} ${actor.type}:${actor.id ?? refusal.ip ?? ''}`;
}
