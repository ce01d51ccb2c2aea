import { createHmac } from 'node:crypto';
import { WebhookDeliveryDetail, WebhookPayload, WebhookSubscriptionWithSecret } from '@gatehouse/contracts';
import {
  bindRole, createRole, errorFields, readCaughtMail, rolesByName, SmtpCatcher, SUPER_ADMIN, TestSystem, unique, WebhookReceiver, withTestDb,
} from '@gatehouse/testing';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { gatehouse } from './cli-support';
import { eventually } from './notification-support';

/**
 * Webhooks end to end, on a system of its own whose receiver (a real HTTPS server with a self-signed
 * certificate, trusted through WEBHOOK_CA_FILE) the test controls: signed deliveries verified by the
 * receiver, an outage delivering every event once and in order afterwards, a SIGKILLed notification
 * process losing nothing (at-least-once, a stable webhook-id to dedupe on), the replay check, isolation
 * between tenants, the audit-feed rule, automatic disabling with the Admins' email, redelivery.
 */
jest.setTimeout(240_000);

const DISABLE_AFTER = 8;
/** The receiver-side check of docs/webhooks.md: a delivery older (or newer) than this is refused. */
const TOLERANCE_SECONDS = 5 * 60;

describe('webhooks: signed audit events delivered over HTTPS', () => {
  let receiver: WebhookReceiver;
  let smtp: SmtpCatcher;
  let system: TestSystem;
  let gateway: () => ReturnType<typeof request>;
  let root: string;
  const A = { tenant: '', admin: '', adminEmail: '' };
  const B = { tenant: '', admin: '' };

  const as = (token: string) => ({
    get: (path: string) => gateway().get(path).set('authorization', `Bearer ${token}`),
    post: (path: string, body: object = {}) => gateway().post(path).set('authorization', `Bearer ${token}`).send(body),
    patch: (path: string, body: object) => gateway().patch(path).set('authorization', `Bearer ${token}`).send(body),
    delete: (path: string) => gateway().delete(path).set('authorization', `Bearer ${token}`),
  });
  const login = async (username: string, password: string): Promise<string> =>
    (await gateway().post('/api/v1/login').send({ username, password }).expect(200)).body.accessToken as string;
  const newUser = async (): Promise<{ id: string; username: string; token: string }> => {
    const username = `${unique('wh-user')}@gatehouse.test`;
    const created = await as(root).post('/api/v1/users', { username, password: 'Webhook-User-Pass-1', emailVerified: true }).expect(201);
    return { id: created.body.id, username, token: await login(username, 'Webhook-User-Pass-1') };
  };
  const subscribe = async (token: string, tenant: string, body: object): Promise<WebhookSubscriptionWithSecret> => {
    const response = await as(token).post(`/api/v1/${tenant}/webhooks`, body);
    expect([response.status, response.body.detail]).toEqual([201, undefined]);
    return response.body as WebhookSubscriptionWithSecret;
  };
  const createGroup = async (token: string, tenant: string, name = unique('wh-group')): Promise<string> =>
    (await as(token).post(`/api/v1/${tenant}/groups`, { name }).expect(201)).body.id as string;
  const payloadsAt = (path: string): Array<{ id: string; payload: WebhookPayload }> =>
    receiver.receivedAt(path).map((r) => ({ id: r.headers['webhook-id'] as string, payload: JSON.parse(r.body) as WebhookPayload }));

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    smtp = await SmtpCatcher.start();
    system = await TestSystem.start({
      name: 'webhooks',
      env: {
        MULTI_TENANCY_ENABLED: 'true',
        DEFAULT_TENANT_ENABLED: 'true',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        DELIVERY_RETRY_BASE_MS: '200',
        DELIVERY_POLL_MS: '200',
        WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        WEBHOOK_CA_FILE: receiver.caFile,
        WEBHOOK_ENCRYPTION_KEYS: `e2e:${Buffer.alloc(32, 7).toString('base64')}`,
        WEBHOOK_TIMEOUT_MS: '2000',
        WEBHOOK_LEASE_MS: '4000',
        WEBHOOK_POLL_MS: '200',
        WEBHOOK_RETRY_BASE_MS: '200',
        WEBHOOK_RETRY_MAX_MS: '1000',
        WEBHOOK_MAX_ATTEMPTS: '100',
        WEBHOOK_DISABLE_AFTER_FAILURES: String(DISABLE_AFTER),
      },
    });
    system.useForFixtures();
    gateway = () => request(system.gatewayUrl);
    await gateway().post('/api/v1/setup').send(SUPER_ADMIN).expect(201);
    root = await login(SUPER_ADMIN.username, SUPER_ADMIN.password);
    for (const world of [A, B]) {
      const admin = await newUser();
      world.tenant = unique('wh').toLowerCase().slice(0, 40);
      await as(root).post('/api/v1/tenants', { id: world.tenant, name: `Webhooks ${world.tenant}`, adminUser: admin.username }).expect(201);
      world.admin = admin.token;
      if (world === A) A.adminEmail = admin.username;
    }
  });

  afterAll(async () => {
    await system?.stop();
    await receiver?.dispose();
    await smtp?.stop();
  });

  it('refuses bad subscriptions with a 400 problem naming the field, and unsafe destinations by default', async () => {
    const T = `/api/v1/${A.tenant}/webhooks`;
    const cases: Array<[object, string, RegExp]> = [
      [{ url: 'http://example.com/hook' }, 'url', /https/],
      [{ url: 'https://10.1.2.3/hook' }, 'url', /private, loopback, link-local or reserved/],
      [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url', /private, loopback, link-local or reserved/],
      [{ url: 'https://[::ffff:192.168.0.1]/hook' }, 'url', /private, loopback, link-local or reserved/],
      [{ url: 'https://user:pw@example.com/hook' }, 'url', /user name or password/],
      [{ url: 'not a url' }, 'url', /absolute URL/],
      [{}, 'url', /.+/],
      [{ url: receiver.url(), eventTypes: ['group.create'] }, 'eventTypes', /RESOURCE_TYPE\.AUDIT_TYPE/],
      [{ url: receiver.url(), enabled: 'yes' }, 'enabled', /boolean/],
      [{ url: receiver.url(), secret: 'mine' }, 'secret', /unknown field/],
    ];
    for (const [body, field, message] of cases) {
      const response = await as(A.admin).post(T, body);
      expect([JSON.stringify(body), response.status, response.headers['content-type']]).toEqual([JSON.stringify(body), 400, expect.stringContaining('application/problem+json')]);
      expect(errorFields(response)[0]).toBe(field);
      expect(response.body.errors[0].message).toMatch(message);
    }
    expect((await as(A.admin).get(T).expect(200)).body.total).toBe(0);
    const bogus = '00000000-0000-4000-8000-000000000000';
    expect((await as(A.admin).patch(`${T}/${bogus}`, { url: 'http://insecure.example.com' })).status).toBe(400);
    expect((await as(A.admin).get(`${T}/${bogus}`)).status).toBe(404);
  });

  it('delivers matching audit events, signed per Standard Webhooks, verified by the receiver; GETs never show the secret', async () => {
    const sub = await subscribe(A.admin, A.tenant, { url: receiver.url('/signed'), eventTypes: ['GROUP.*'], description: 'groups' });
    expect(sub.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(200);
    expect(JSON.stringify(read.body)).not.toContain(sub.signingSecret.slice(6));
    expect(read.body).toMatchObject({ scope: 'TENANT', tenantId: A.tenant, enabled: true, eventTypes: ['GROUP.*'] });

    await as(A.admin).post(`/api/v1/${A.tenant}/roles`, { name: unique('not-a-group'), permissions: { FLOW: ['READ'] } }).expect(201);
    const groupId = await createGroup(A.admin, A.tenant);
    await eventually(async () => receiver.receivedAt('/signed').length >= 1, 20_000, 'the group event delivered');
    const [delivery] = receiver.receivedAt('/signed');
    const payload = new Webhook(sub.signingSecret).verify(delivery.body, delivery.headers as Record<string, string>) as WebhookPayload;
    expect(payload).toMatchObject({ type: 'GROUP.CREATE', data: { tenantId: A.tenant, type: 'CREATE', resourceType: 'GROUP', resourceId: groupId, source: 'authorization' } });
    expect(delivery.headers['webhook-id']).toBe(payload.data.id);
    expect(delivery.headers['content-type']).toBe('application/json');
    // The same check by hand, as docs/webhooks.md writes it: HMAC-SHA256 of id.timestamp.body with the secret's bytes.
    const key = Buffer.from(sub.signingSecret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${delivery.headers['webhook-id']}.${delivery.headers['webhook-timestamp']}.${delivery.body}`).digest('base64');
    expect(String(delivery.headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(delivery.body, delivery.headers as Record<string, string>)).toThrow();
    // the role event did not match the filter
    await new Promise((r) => setTimeout(r, 1000));
    expect(payloadsAt('/signed').map((p) => p.payload.type)).toEqual(['GROUP.CREATE']);

    // the delivery log: one attempt, 200, a duration; the body as sent
    const log = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).expect(200);
    expect(log.body.results).toEqual([expect.objectContaining({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 200, webhookId: payload.data.id })]);
    const detail = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${log.body.results[0].id}`).expect(200)).body as WebhookDeliveryDetail;
    expect(detail.payload).toEqual(JSON.parse(delivery.body));
    expect(detail.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null, durationMs: expect.any(Number) })]);

    // rotation: the next delivery is signed with the new secret only
    const rotated = (await as(A.admin).post(`/api/v1/${A.tenant}/webhooks/${sub.id}/secret`).expect(200)).body as WebhookSubscriptionWithSecret;
    expect(rotated.signingSecret).not.toBe(sub.signingSecret);
    await createGroup(A.admin, A.tenant);
    await eventually(async () => receiver.receivedAt('/signed').length >= 2, 20_000, 'the second group event delivered');
    const second = receiver.receivedAt('/signed')[1];
    expect(() => new Webhook(rotated.signingSecret).verify(second.body, second.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(sub.signingSecret).verify(second.body, second.headers as Record<string, string>)).toThrow();

    // replay: the captured first delivery presented again six minutes later fails the documented check
    const seen = new Set<string>([delivery.headers['webhook-id'] as string]);
    const accept = (headers: Record<string, string>, body: string, nowMs: number): string => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(nowMs);
      try {
        new Webhook(sub.signingSecret).verify(body, headers);
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      } finally {
        now.mockRestore();
      }
      if (Math.abs(nowMs / 1000 - Number(headers['webhook-timestamp'])) > TOLERANCE_SECONDS) return 'refused: stale';
      if (seen.has(headers['webhook-id'])) return 'refused: already processed';
      return 'accepted';
    };
    const sentAt = Number(delivery.headers['webhook-timestamp']) * 1000;
    const headers = delivery.headers as Record<string, string>;
    expect(accept(headers, delivery.body, sentAt + 6 * 60_000)).toMatch(/^refused: .*too old/i);
    // a replayer cannot freshen the timestamp: the signature covers it
    expect(accept({ ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, delivery.body, Date.now())).toMatch(/^refused: .*signature/i);
    // within the window, the same webhook-id again is a duplicate the receiver drops
    expect(accept(headers, delivery.body, sentAt + 1000)).toBe('refused: already processed');
  });

  it('receiver down then back: the requests answer at once, every event arrives once and in order, the log shows the failed attempts', async () => {
    const sub = await subscribe(A.admin, A.tenant, { url: receiver.url('/outage'), eventTypes: ['SERVICE_ACCOUNT.CREATE'] });
    await receiver.stop();
    const created: string[] = [];
    for (let i = 0; i < 12; i++) {
      const started = Date.now();
      const response = await as(A.admin).post(`/api/v1/${A.tenant}/service-accounts`, { name: unique('outage-sa') }).expect(201);
      expect(Date.now() - started).toBeLessThan(2000);
      created.push(response.body.id);
    }
    await eventually(async () => {
      const log = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).query({ sort: 'sequence:asc' }).expect(200);
      return log.body.total === 12 && log.body.results[0].status === 'FAILED' && log.body.results[0].attempts >= 2;
    }, 20_000, 'the first delivery failed twice, twelve queued');
    const waiting = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).query({ status: 'PENDING' }).expect(200)).body.total;
    expect(waiting).toBe(11); // in order: nothing after the head is tried
    expect(receiver.receivedAt('/outage')).toHaveLength(0);
    await receiver.resume();
    await eventually(async () => receiver.receivedAt('/outage').length >= 12, 30_000, 'all twelve delivered');
    await new Promise((r) => setTimeout(r, 1000));
    const received = payloadsAt('/outage');
    expect(received.map((r) => r.payload.data.resourceId)).toEqual(created);
    expect(new Set(received.map((r) => r.id)).size).toBe(12);
    const log = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).query({ sort: 'sequence:asc' }).expect(200);
    expect(log.body.results.every((d: { status: string }) => d.status === 'SUCCEEDED')).toBe(true);
    const head = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${log.body.results[0].id}`).expect(200)).body as WebhookDeliveryDetail;
    expect(head.attemptLog.length).toBeGreaterThanOrEqual(3);
    expect(head.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(head.attemptLog.at(-1)).toMatchObject({ statusCode: 200, error: null });
    expect((await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(200)).body).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  });

  it('redelivers on demand with the same webhook-id, at the end of the queue; a queued one is a 409, a pruned one a 404', async () => {
    const sub = await subscribe(A.admin, A.tenant, { url: receiver.url('/again'), eventTypes: ['GROUP.CREATE'] });
    await createGroup(A.admin, A.tenant);
    await eventually(async () => receiver.receivedAt('/again').length === 1, 20_000, 'delivered once');
    const [delivery] = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).expect(200)).body.results;
    const again = await as(A.admin).post(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${delivery.id}/redeliver`).expect(200);
    expect(again.body).toMatchObject({ id: delivery.id, status: 'PENDING', attempts: 0 });
    expect(again.body.sequence).toBeGreaterThan(delivery.sequence);
    await eventually(async () => receiver.receivedAt('/again').length === 2, 20_000, 'delivered again');
    expect(payloadsAt('/again').map((p) => p.id)).toEqual([delivery.webhookId, delivery.webhookId]);
    const detail = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${delivery.id}`).expect(200)).body as WebhookDeliveryDetail;
    expect(detail.attemptLog.map((a) => a.attempt)).toEqual([1, 2]);

    // pruned by the retention job (DeliveryLogRetention deletes finished deliveries past DELIVERY_LOG_RETENTION_DAYS): a 404 problem, not a 5xx
    await withTestDb(async (db) => {
      const pruned = `DELETE FROM notification.webhook_deliveries WHERE id = $1 AND status = 'SUCCEEDED'`;
      await eventually(async () => (await db.query(pruned, [delivery.id])).rowCount === 1, 20_000, 'recorded as delivered, then pruned');
    }, system);
    for (const gone of [
      await as(A.admin).post(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${delivery.id}/redeliver`),
      await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${delivery.id}`),
    ]) {
      expect([gone.status, gone.headers['content-type']]).toEqual([404, expect.stringContaining('application/problem+json')]);
    }

    receiver.statusFor.set('/again', 503);
    await createGroup(A.admin, A.tenant);
    const queued = await eventually(async () => {
      const log = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).query({ status: 'FAILED' }).expect(200);
      return log.body.results[0] as { id: string } | undefined;
    }, 20_000, 'a failing delivery');
    const conflict = await as(A.admin).post(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries/${queued.id}/redeliver`);
    expect([conflict.status, conflict.headers['content-type']]).toEqual([409, expect.stringContaining('application/problem+json')]);
    await as(A.admin).delete(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(204);
    receiver.statusFor.delete('/again');
  });

  it('keeps tenants apart: another tenant\u2019s Admin cannot read, change or redeliver A\u2019s subscriptions, and sees only its own events', async () => {
    const subA = await subscribe(A.admin, A.tenant, { url: receiver.url('/a-only'), eventTypes: ['GROUP.*'] });
    const subB = await subscribe(B.admin, B.tenant, { url: receiver.url('/b-only') });
    const groupA = await createGroup(A.admin, A.tenant);
    await eventually(async () => receiver.receivedAt('/a-only').length >= 1, 20_000, 'A delivered');
    const [deliveryA] = (await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${subA.id}/deliveries`).expect(200)).body.results;

    const onA = `/api/v1/${A.tenant}/webhooks`;
    const onB = `/api/v1/${B.tenant}/webhooks`;
    for (const response of [
      await as(B.admin).get(onA), await as(B.admin).post(onA, { url: receiver.url('/x') }), await as(B.admin).get(`${onA}/${subA.id}`),
      await as(B.admin).patch(`${onA}/${subA.id}`, { url: receiver.url('/stolen') }), await as(B.admin).delete(`${onA}/${subA.id}`),
      await as(B.admin).get(`${onA}/${subA.id}/deliveries`), await as(B.admin).post(`${onA}/${subA.id}/secret`),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.permission).toBe('AUDITLOG');
    }
    for (const response of [
      await as(B.admin).get(`${onB}/${subA.id}`), await as(B.admin).patch(`${onB}/${subA.id}`, { url: receiver.url('/stolen') }),
      await as(B.admin).delete(`${onB}/${subA.id}`), await as(B.admin).post(`${onB}/${subA.id}/secret`),
      await as(B.admin).get(`${onB}/${subA.id}/deliveries`), await as(B.admin).get(`${onB}/${subA.id}/deliveries/${deliveryA.id}`),
      await as(B.admin).post(`${onB}/${subA.id}/deliveries/${deliveryA.id}/redeliver`), await as(B.admin).get(`${onB}/${subB.id}/deliveries/${deliveryA.id}`),
    ]) {
      expect(response.status).toBe(404);
    }
    expect((await as(B.admin).get(onB).expect(200)).body.results.map((s: { id: string }) => s.id)).toEqual([subB.id]);
    // the Super Admin has no tenant data either (the audit trail is tenant data)
    expect((await as(root).get(onA)).status).toBe(403);
    expect((await as(A.admin).get(`${onA}/${subA.id}`).expect(200)).body.url).toBe(receiver.url('/a-only'));

    await createGroup(B.admin, B.tenant);
    await eventually(async () => payloadsAt('/b-only').some((p) => p.payload.type === 'GROUP.CREATE'), 20_000, 'B delivered');
    const seenByB = payloadsAt('/b-only');
    expect(seenByB.every((p) => p.payload.data.tenantId === B.tenant)).toBe(true);
    expect(JSON.stringify(seenByB)).not.toContain(groupA);
    expect(payloadsAt('/a-only').every((p) => p.payload.data.tenantId === A.tenant)).toBe(true);
  });

  it('needs AUDITLOG:READ to create or retarget a webhook (audit-feed rule); instance-wide webhooks are Super Admins\u2019', async () => {
    const roles = await rolesByName(A.admin, A.tenant);
    const writer = await newUser();
    const noRead = await createRole(A.admin, A.tenant, { name: unique('audit-write-only'), permissions: { AUDITLOG: ['CREATE', 'UPDATE'] } });
    await bindRole(A.admin, A.tenant, { roleId: noRead.id, subjectId: writer.id });
    // A SIEM following the tenant's refusals sees the attempt (ACCESS_REFUSED, docs/access-model.md).
    await subscribe(A.admin, A.tenant, { url: receiver.url('/refusals'), eventTypes: ['*.ACCESS_REFUSED'] });
    const refused = await as(writer.token).post(`/api/v1/${A.tenant}/webhooks`, { url: receiver.url('/exfiltrate') });
    expect([refused.status, refused.body.rule]).toEqual([403, 'audit-read-required']);
    const developer = await newUser();
    await bindRole(A.admin, A.tenant, { roleId: roles.Developer.id, subjectId: developer.id });
    const denied = await as(developer.token).post(`/api/v1/${A.tenant}/webhooks`, { url: receiver.url('/exfiltrate') });
    expect([denied.status, denied.body.permission, denied.body.action]).toEqual([403, 'AUDITLOG', 'CREATE']);
    expect(receiver.receivedAt('/exfiltrate')).toHaveLength(0);
    await eventually(async () => payloadsAt('/refusals').length >= 1, 20_000, 'the refusal delivered');
    expect(payloadsAt('/refusals')[0].payload).toMatchObject({
      type: 'WEBHOOK.ACCESS_REFUSED',
      data: { tenantId: A.tenant, type: 'ACCESS_REFUSED', actor: { type: 'USER', id: writer.id }, details: { rule: 'audit-read-required' }, source: 'authorization' },
    });
    // The gateway's denial of the developer is not the guard's refusal: only the writer's attempt was delivered.
    await new Promise((r) => setTimeout(r, 1000));
    expect(payloadsAt('/refusals')).toHaveLength(1);

    const instance = await as(root).post('/api/v1/notifications/webhooks', { url: receiver.url('/instance'), eventTypes: ['USER.CREATE'] });
    expect(instance.status).toBe(201);
    expect(instance.body).toMatchObject({ scope: 'INSTANCE', signingSecret: expect.stringMatching(/^whsec_/) });
    expect(instance.body).not.toHaveProperty('tenantId');
    expect((await as(A.admin).get('/api/v1/notifications/webhooks')).status).toBe(403);
    const user = await newUser();
    await eventually(async () => payloadsAt('/instance').some((p) => p.payload.data.resourceId === user.id), 20_000, 'instance event delivered');
    expect(payloadsAt('/instance').every((p) => p.payload.data.tenantId === undefined)).toBe(true);
  });

  it('an instance-wide subscription to sign-ins gets each one once and in order, though the intake acks unwanted events without a transaction', async () => {
    // Sign-ins nobody subscribes to are acked without one (the skip check); once a subscription takes them, none is dropped.
    const user = await newUser();
    await as(root).post('/api/v1/notifications/webhooks', { url: receiver.url('/logins'), eventTypes: ['USER.LOGIN'] }).expect(201);
    const sessions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const token = await login(user.username, 'Webhook-User-Pass-1');
      sessions.push(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sid as string);
    }
    const delivered = () => payloadsAt('/logins').map((p) => (p.payload.data.details as { sessionId?: string } | undefined)?.sessionId).filter((sid) => sessions.includes(sid as string));
    await eventually(async () => delivered().length >= 5, 20_000, 'every sign-in delivered');
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered()).toEqual(sessions);
    expect(payloadsAt('/logins').every((p) => p.payload.type === 'USER.LOGIN' && p.payload.data.tenantId === undefined)).toBe(true);
  });

  it('disables a subscription whose owner lost AUDITLOG:READ, before sending anything more', async () => {
    const roles = await rolesByName(A.admin, A.tenant);
    const second = await newUser();
    const adminBinding = await bindRole(root, A.tenant, { roleId: roles.Admin.id, subjectId: second.id });
    const sub = await subscribe(second.token, A.tenant, { url: receiver.url('/owner'), eventTypes: ['GROUP.CREATE'] });
    expect(sub.owner).toEqual({ type: 'USER', id: second.id });
    await as(root).delete(`/api/v1/${A.tenant}/bindings/${adminBinding.id}`).expect(204);
    await createGroup(A.admin, A.tenant);
    await eventually(async () => {
      const read = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(200);
      return read.body.disabledReason === 'OWNER_LOST_ACCESS';
    }, 20_000, 'disabled for its owner');
    expect(receiver.receivedAt('/owner')).toHaveLength(0);
    const told = await eventually(async () => (await readCaughtMail(smtp.dir)).find((m) => m.to.includes(A.adminEmail) && m.text.includes(receiver.url('/owner'))), 20_000, 'the Admins emailed');
    expect(told.text).toContain('can no longer read the audit trail');
    // another Admin takes it over by enabling it: the queued event goes out
    await as(A.admin).patch(`/api/v1/${A.tenant}/webhooks/${sub.id}`, { enabled: true }).expect(200);
    await eventually(async () => receiver.receivedAt('/owner').length === 1, 20_000, 'delivered under the new owner');
  });

  it(`disables a subscription after ${DISABLE_AFTER} failed attempts in a row and emails the tenant\u2019s Admins; enabling it resumes`, async () => {
    receiver.statusFor.set('/failing', 500);
    const sub = await subscribe(A.admin, A.tenant, { url: receiver.url('/failing'), eventTypes: ['GROUP.CREATE'] });
    const groupId = await createGroup(A.admin, A.tenant);
    const disabled = await eventually(async () => {
      const read = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(200);
      return read.body.enabled === false ? read.body : null;
    }, 40_000, 'disabled after failures');
    expect(disabled).toMatchObject({ disabledReason: 'FAILURES', consecutiveFailures: DISABLE_AFTER });
    const mail = await eventually(async () => (await readCaughtMail(smtp.dir)).find((m) => m.subject === 'A Gatehouse webhook was disabled' && m.to.includes(A.adminEmail) && m.text.includes(receiver.url('/failing'))), 20_000, 'the Admin emailed');
    expect(mail.text).toContain(`failed in a row (last: the receiver answered 500)`);
    const attempts = receiver.receivedAt('/failing').length;
    expect(attempts).toBe(DISABLE_AFTER);
    const audit = await as(A.admin).get(`/api/v1/${A.tenant}/auditlogs/search`).query({ resourceId: sub.id, type: 'UPDATE' }).expect(200);
    expect(audit.body.results.some((e: { actor: { type: string }; details?: { reason?: string } }) => e.actor.type === 'SERVICE' && e.details?.reason === 'FAILURES')).toBe(true);

    receiver.statusFor.delete('/failing');
    await as(A.admin).patch(`/api/v1/${A.tenant}/webhooks/${sub.id}`, { enabled: true }).expect(200);
    await eventually(async () => receiver.receivedAt('/failing').length === attempts + 1, 20_000, 'delivered once enabled');
    const last = receiver.receivedAt('/failing').at(-1);
    expect((JSON.parse(last?.body ?? '{}') as WebhookPayload).data.resourceId).toBe(groupId);
    expect((await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}`).expect(200)).body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
  });

  it('CLI: gatehouse webhooks create, list, update, deliveries, delivery, redeliver, rotate-secret and delete', async () => {
    const cli = (...args: string[]) => {
      const result = gatehouse([...args, '--tenant', A.tenant, '--user', `${A.adminEmail}:Webhook-User-Pass-1`, '--output', 'json']);
      if (result.status !== 0) throw new Error(`gatehouse ${args.join(' ')}: ${result.status} ${result.stderr}`);
      return JSON.parse(result.stdout);
    };
    const created = cli('webhooks', 'create', receiver.url('/cli'), '--event', 'GROUP.CREATE', '--description', 'from the CLI');
    expect(created).toMatchObject({ url: receiver.url('/cli'), eventTypes: ['GROUP.CREATE'], signingSecret: expect.stringMatching(/^whsec_/) });
    expect(cli('webhooks', 'list').results.map((w: { id: string }) => w.id)).toContain(created.id);
    const groupId = await createGroup(A.admin, A.tenant);
    await eventually(async () => receiver.receivedAt('/cli').length === 1, 20_000, 'delivered to the CLI one');
    const [delivery] = cli('webhooks', 'deliveries', created.id).results;
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', eventType: 'GROUP.CREATE' });
    expect(cli('webhooks', 'delivery', created.id, delivery.id).payload.data.resourceId).toBe(groupId);
    expect(cli('webhooks', 'redeliver', created.id, delivery.id)).toMatchObject({ status: 'PENDING' });
    await eventually(async () => receiver.receivedAt('/cli').length === 2, 20_000, 'redelivered');
    expect(cli('webhooks', 'update', created.id, '--enabled', 'false')).toMatchObject({ enabled: false, disabledReason: 'MANUAL' });
    const rotated = cli('webhooks', 'rotate-secret', created.id);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    const refused = gatehouse(['webhooks', 'create', 'http://example.com/in', '--tenant', A.tenant, '--user', `${A.adminEmail}:Webhook-User-Pass-1`]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/url must use https/);
    cli('webhooks', 'delete', created.id);
    expect(cli('webhooks', 'list').results.map((w: { id: string }) => w.id)).not.toContain(created.id);
  });

  it('loses nothing when the delivering notification process is SIGKILLed mid-burst: every id arrives, in order, duplicates only of the one in flight', async () => {
    const sub = await subscribe(A.admin, A.tenant, { url: receiver.url('/burst'), eventTypes: ['SERVICE_ACCOUNT.CREATE'] });
    receiver.delayMs = 60;
    const created: string[] = [];
    for (let i = 0; i < 40; i++) created.push((await as(A.admin).post(`/api/v1/${A.tenant}/service-accounts`, { name: unique('burst-sa') }).expect(201)).body.id);
    await eventually(async () => receiver.receivedAt('/burst').length >= 8, 30_000, 'eight delivered');
    const [victim] = system.instancesOf('notification');
    await system.kill(victim);
    const beforeKill = receiver.receivedAt('/burst').length;
    expect(beforeKill).toBeLessThan(40);
    await system.addInstance('notification');
    await eventually(async () => new Set(payloadsAt('/burst').map((p) => p.id)).size === 40, 90_000, 'all forty delivered');
    receiver.delayMs = 0;
    await new Promise((r) => setTimeout(r, 1500));

    const received = payloadsAt('/burst');
    const firstSeen: string[] = [];
    for (const { payload } of received) if (!firstSeen.includes(payload.data.resourceId as string)) firstSeen.push(payload.data.resourceId as string);
    expect(firstSeen).toEqual(created);
    // at-least-once: an attempt the receiver got but the killed process could not record goes again, same webhook-id,
    // right after itself (one subscription has one delivery in flight)
    const duplicates = received.length - 40;
    expect(duplicates).toBeLessThanOrEqual(1);
    received.forEach((r, i) => {
      if (i > 0 && received.slice(0, i).some((p) => p.id === r.id)) expect(received[i - 1].id).toBe(r.id);
    });
    if (duplicates > 0) process.stdout.write(`webhooks SIGKILL burst: ${duplicates} duplicate with the same webhook-id\n`);
    const log = await as(A.admin).get(`/api/v1/${A.tenant}/webhooks/${sub.id}/deliveries`).query({ size: 100 }).expect(200);
    expect(log.body.results.map((d: { status: string }) => d.status)).toEqual(Array(40).fill('SUCCEEDED'));
  });
});
