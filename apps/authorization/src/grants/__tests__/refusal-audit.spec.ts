import { randomUUID } from 'node:crypto';
import { AuditEntry, auditEvent, AuthorizationRpc, Caller, RpcEnvelope } from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { idempotentRun } from '@gatehouse/messaging';
import { CallHandler, ExecutionContext } from '@nestjs/common';
import { firstValueFrom, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { AuthorizationWorld, openAuthorization } from '../../__tests__/authorization-test-module';
import { AuthorizationEnv } from '../../authorization.env';
import { SERVICE } from '../../service-name';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { GrantGuard, RULES } from '../grant-guard';
import { Refusal, RefusalAudit } from '../refusal-audit';

const T = 'acme';
const AUDIT = auditEvent(SERVICE).subject;
const refusedEntries = async (world: AuthorizationWorld) => (await world.outboxEvents<AuditEntry>(AUDIT)).filter((e) => e.type === 'ACCESS_REFUSED');

/** A NATS handler's context as Nest hands it to an interceptor: the envelope and the subject. */
const rpcContext = (subject: string, envelope: RpcEnvelope): ExecutionContext =>
  ({ getType: () => 'rpc', switchToRpc: () => ({ getData: () => envelope, getContext: () => ({ getSubject: () => subject }) }) }) as unknown as ExecutionContext;
const failing = (error: unknown): CallHandler => ({ handle: () => throwError(() => error) });

/** What the handler answered, through the interceptor: the very error it threw. */
async function answerThrough(audit: RefusalAudit, subject: string, envelope: RpcEnvelope, error: unknown): Promise<unknown> {
  return firstValueFrom(audit.intercept(rpcContext(subject, envelope), failing(error))).then(() => 'answered', (thrown: unknown) => thrown);
}

const forbidden = (rule: string, detail = `refused by ${rule}`) => ProblemException.forbidden(detail, { rule });

describe('RefusalAudit: the grant guard\'s refusals in the audit trail', () => {
  let world: AuthorizationWorld;
  let audit: RefusalAudit;
  const admin: Caller = { type: 'USER', id: '00000000-0000-4000-8000-0000000000a1', ip: '203.0.113.9' };

  beforeAll(async () => {
    world = await openAuthorization();
    audit = world.get(RefusalAudit);
  });
  afterAll(() => world?.close());
  beforeEach(async () => {
    await world.db.dataSource.query(`DELETE FROM "authorization".outbox`);
    world.env.ACCESS_REFUSED_AUDIT_PER_MINUTE = new AuthorizationEnv().ACCESS_REFUSED_AUDIT_PER_MINUTE;
  });

  it('records a refusal of the guard once, outside its request, naming who, where, what and the rule, and answers the same 403', async () => {
    await world.seed.tenant(T);
    await world.seed.subject({ id: admin.id });
    await world.seed.bind(await world.seed.role(T, { ROLE: ['UPDATE'] }), admin.id, { tenantId: T });
    const guard = world.get(GrantGuard);
    const refusal = await guard.assertMayDefineRole(admin, T, { FLOW: ['READ'] }).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProblemException);
    const envelope: RpcEnvelope = { caller: { ...admin, impersonator: { id: '00000000-0000-4000-8000-0000000000b2' } as never }, tenantId: T, data: { id: 'r-1', name: 'sneaky', permissions: { FLOW: ['READ'] } } };
    expect(await answerThrough(audit, AuthorizationRpc.updateRole.subject, envelope, refusal)).toBe(refusal);
    await audit.idle();
    const [entry, ...more] = await refusedEntries(world);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      tenantId: T, type: 'ACCESS_REFUSED', resourceType: 'ROLE', resourceId: 'r-1',
      actor: { type: 'USER', id: admin.id }, impersonator: { type: 'USER', id: '00000000-0000-4000-8000-0000000000b2' }, ip: '203.0.113.9',
      details: { rule: RULES.noEscalation, operation: AuthorizationRpc.updateRole.subject, detail: expect.stringContaining('FLOW:READ') },
    });
    // Small: the rule, its detail and the operation, never the request's body.
    expect(Object.keys(entry.details ?? {}).sort()).toEqual(['detail', 'operation', 'rule']);
    expect(JSON.stringify(entry)).not.toContain('sneaky');
  });

  it('records only the guard\'s 403s: not the scope rule\'s 422, a 404, another 403, nor an internal service\'s question', async () => {
    const envelope: RpcEnvelope = { caller: admin, tenantId: T, data: {} };
    const scopeRule = new ProblemException(422, 'scope-rule', 'namespaces', { rule: RULES.scopeRule });
    for (const error of [scopeRule, ProblemException.notFound('no such role'), forbidden('managed-role'), new Error('boom')]) {
      expect(await answerThrough(audit, AuthorizationRpc.createBinding.subject, envelope, error)).toBe(error);
    }
    const ownerCheck = forbidden(RULES.auditReadRequired);
    expect(await answerThrough(audit, AuthorizationRpc.assertMayFollowAudit.subject, { caller: { type: 'SERVICE', id: 'notification' }, tenantId: T, data: {} }, ownerCheck)).toBe(ownerCheck);
    await audit.idle();
    expect(await refusedEntries(world)).toEqual([]);
  });

  it('records a refusal copied on its way out (a bulk grant names the item), and an anonymous one with its address', async () => {
    const copy = ProblemException.fromProblem({ ...forbidden(RULES.tenantRequired).problem, detail: 'bindings[1]: Only a holder of TENANT' });
    await answerThrough(audit, AuthorizationRpc.createBindings.subject, { caller: admin, tenantId: null, data: { bindings: [] } }, copy);
    await answerThrough(audit, AuthorizationRpc.acceptInvitation.subject, { caller: null, ip: '198.51.100.7', data: { token: 'secret-token' } }, forbidden(RULES.noEscalation));
    await audit.idle();
    const entries = (await refusedEntries(world)).sort((a, b) => a.resourceType.localeCompare(b.resourceType));
    expect(entries).toEqual([
      expect.objectContaining({ tenantId: null, resourceType: 'BINDING', resourceId: null, details: expect.objectContaining({ rule: RULES.tenantRequired, detail: 'bindings[1]: Only a holder of TENANT' }) }),
      expect.objectContaining({ resourceType: 'INVITATION', actor: { type: 'ANONYMOUS', id: null }, ip: '198.51.100.7' }),
    ]);
    expect(entries[1].tenantId).toBeUndefined();
    expect(JSON.stringify(entries)).not.toContain('secret-token');
  });

  it('names the subject a credential was refused for by its type', async () => {
    const account = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    await answerThrough(audit, AuthorizationRpc.assertMayActFor.subject, { caller: admin, tenantId: T, data: { subjectId: account, credential: 'API_TOKEN', subjectInTenant: false } }, forbidden(RULES.noCredentialEscalation));
    await audit.idle();
    expect(await refusedEntries(world)).toEqual([expect.objectContaining({ tenantId: T, resourceType: 'SERVICE_ACCOUNT', resourceId: account })]);
  });

  it('bounds an actor\'s entries per tenant and minute; the rest are counted into one entry when the minute ends', async () => {
    world.env.ACCESS_REFUSED_AUDIT_PER_MINUTE = 2;
    const refusal = (caller: Caller, tenantId: string, n: number): Refusal => ({
      caller, tenantId, operation: AuthorizationRpc.createBinding.subject, data: {}, problem: forbidden(RULES.noSelfElevation, `attempt ${n}`).problem,
    });
    // Actors of their own: the windows of the other tests' refusals are still open.
    const [prober, other]: Caller[] = [{ type: 'USER', id: randomUUID() }, { type: 'USER', id: randomUUID() }];
    for (let n = 1; n <= 50; n += 1) audit.record(refusal(prober, T, n));
    audit.record(refusal(prober, 'elsewhere', 1));
    audit.record(refusal(other, T, 1));
    await audit.idle();
    // Written side by side: in any order.
    expect((await refusedEntries(world)).map((e) => `${e.tenantId} ${e.actor.id} ${e.details?.detail}`).sort()).toEqual([
      `${T} ${prober.id} attempt 1`, `${T} ${prober.id} attempt 2`, `${T} ${other.id} attempt 1`, `elsewhere ${prober.id} attempt 1`,
    ].sort());
    // The minute ends (here: the service stops), and the 48 not recorded one by one become one entry.
    await audit.beforeApplicationShutdown();
    const summary = (await refusedEntries(world)).slice(4).filter((e) => e.actor.id === prober.id);
    expect(summary).toEqual([expect.objectContaining({ tenantId: T, actor: { type: 'USER', id: prober.id }, details: expect.objectContaining({ detail: 'attempt 50', suppressed: 48, since: expect.any(String) }) })]);
    audit.onModuleInit();
  });

  it('never fails nor delays the refusal when its entry cannot be written, and claims no Idempotency-Key', async () => {
    const recorder = { record: jest.fn(async () => { throw new Error('database gone'); }) } as unknown as AuditRecorder;
    const broken = new RefusalAudit({ manager: {} } as DataSource, recorder, world.get(Outbox), world.get(SubjectFactsService), world.env);
    const refusal = forbidden(RULES.noEscalation);
    expect(await answerThrough(broken, AuthorizationRpc.createRole.subject, { caller: admin, tenantId: T, data: {} }, refusal)).toBe(refusal);
    await broken.idle();
    expect(recorder.record).toHaveBeenCalledTimes(1);

    const ticket = { id: 'key-of-a-refused-request', fingerprint: 'v2:f', sealKey: 'k', legacyFingerprint: 'f' };
    await idempotentRun.run({ ticket, runId: '00000000-0000-4000-8000-0000000000d4' }, () =>
      answerThrough(audit, AuthorizationRpc.createRole.subject, { caller: admin, tenantId: T, data: {} }, forbidden(RULES.noEscalation)));
    await audit.idle();
    expect(await refusedEntries(world)).toHaveLength(1);
    expect(await world.db.dataSource.query(`SELECT id FROM "authorization".idempotency_records WHERE id = $1`, [ticket.id])).toEqual([]);
  });
});
