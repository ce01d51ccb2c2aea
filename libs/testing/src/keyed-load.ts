import { readCaughtMail, SmtpCatcher, tokenFromLink } from './smtp-catcher';
import { TestDbClient } from './test-database';

/** One HTTP attempt of a keyed request. */
export interface KeyedAttempt {
  startedAt: number;
  /** When its answer (or failure) came. */
  finishedAt: number;
  /** 0: no answer (connection refused or reset, timeout). */
  status: number;
  replayed: boolean;
  /** The last segment of a problem's `type`. */
  type?: string;
}

/** One logical request of the load: a forgotten-password or a group creation, retried with its key. */
export interface KeyedRequest {
  kind: 'forgotten' | 'group';
  /** The mailbox (forgotten password) or the group name. */
  target: string;
  attempts: KeyedAttempt[];
}

export interface KeyedLoadOptions {
  /** Where the next attempt goes (a load balancer's choice among the gateways). */
  gatewayUrl: () => string;
  token: string;
  tenant: string;
  /** Verified users' addresses the forgotten-password requests cycle through. */
  mailboxes: string[];
  /** Open loop: a new request every this many ms, whatever the earlier ones are doing. */
  everyMs: number;
  keyPrefix: string;
}

export const failedAttempt = (a: KeyedAttempt): boolean => a.status === 0 || a.status >= 500;

/** One attempt, as a client sees it: never throws. */
export async function attemptKeyed(gatewayUrl: string, path: string, body: unknown, key: string, token?: string): Promise<KeyedAttempt & { body?: Record<string, unknown> }> {
  const startedAt = Date.now();
  try {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined;
    const type = typeof parsed?.type === 'string' ? parsed.type.split('/').pop() : undefined;
    return { startedAt, finishedAt: Date.now(), status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', type, body: parsed };
  } catch {
    return { startedAt, finishedAt: Date.now(), status: 0, replayed: false };
  }
}

/**
 * An open-loop (constant arrival rate) load of keyed writes, alternating forgotten-password requests
 * and group creations in `tenant`; each is retried with its key, like any HTTP client with a retry
 * policy, until a final answer (not 5xx, not "in progress").
 */
export function startKeyedLoad(options: KeyedLoadOptions): { requests: KeyedRequest[]; stop(): Promise<KeyedRequest[]> } {
  const requests: KeyedRequest[] = [];
  const inFlight: Array<Promise<void>> = [];
  let running = true;
  const send = async (request: KeyedRequest, key: string) => {
    const forgotten = request.kind === 'forgotten';
    const path = forgotten ? '/api/v1/forgotten-password' : `/api/v1/${options.tenant}/groups`;
    const body = forgotten ? { email: request.target } : { name: request.target };
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const { body: _answer, ...attempt } = await attemptKeyed(options.gatewayUrl(), path, body, key, forgotten ? undefined : options.token);
      request.attempts.push(attempt);
      if (!failedAttempt(attempt) && attempt.type !== 'idempotency-key-in-progress') return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const generator = (async () => {
    for (let n = 0; running; n++) {
      const request: KeyedRequest =
        n % 2 === 0
          ? { kind: 'forgotten', target: options.mailboxes[(n / 2) % options.mailboxes.length], attempts: [] }
          : { kind: 'group', target: `${options.keyPrefix}-group-${n}`, attempts: [] };
      requests.push(request);
      inFlight.push(send(request, `${options.keyPrefix}-${n}`));
      await new Promise((r) => setTimeout(r, options.everyMs));
    }
  })();
  return {
    requests,
    stop: async () => {
      running = false;
      await generator;
      await Promise.all(inFlight);
      return requests;
    },
  };
}

/** What a keyed load left behind, counted per request, for a spec to compare with what it sent. */
export interface KeyedLoadEffects {
  /** Requests per mailbox (what every count below should equal). */
  expectedPerMailbox: Record<string, number>;
  forgottenAuditsPerMailbox: Record<string, number>;
  /** Distinct emails (by Message-ID) per mailbox. */
  emailsPerMailbox: Record<string, number>;
  /** Distinct reset links among those emails (a request applied twice makes a second link). */
  distinctResetLinks: number;
  emails: number;
  /** Group names stored, sorted, against those requested. */
  groupsStored: string[];
  groupsRequested: string[];
  /** Groups with other than exactly one CREATE audit entry. */
  groupsNotAuditedOnce: string[];
}

/**
 * Counts the effects of a keyed load once they have settled (audit entries and emails travel through the
 * event stream): waits up to 60 s for at least one of each expected, then 2 s for any late duplicate.
 */
export async function keyedLoadEffects(db: TestDbClient, smtp: SmtpCatcher, tenant: string, users: Map<string, string>, requests: KeyedRequest[]): Promise<KeyedLoadEffects> {
  const mailboxes = [...users.keys()];
  const perMailbox = (list: string[]) => Object.fromEntries(mailboxes.map((m) => [m, list.filter((x) => x === m).length]));
  const forgotten = requests.filter((r) => r.kind === 'forgotten');
  const groups = requests.filter((r) => r.kind === 'group');
  const emailOf = new Map([...users].map(([email, id]) => [id, email]));
  const read = async () => {
    const audits = (await db.query(`SELECT resource_id FROM tenancy.audit_logs WHERE resource_type = 'USER' AND details->>'action' = 'forgotten-password'`)).rows;
    const stored = (await db.query(`SELECT id, name FROM "authorization".groups WHERE tenant_id = $1 AND name = ANY($2)`, [tenant, groups.map((g) => g.target)]))
      .rows as Array<{ id: string; name: string }>;
    const groupAudits = (await db.query(
      `SELECT resource_id, count(*)::int AS n FROM tenancy.audit_logs WHERE resource_type = 'GROUP' AND type = 'CREATE' AND tenant_id = $1 GROUP BY resource_id`,
      [tenant],
    )).rows as Array<{ resource_id: string; n: number }>;
    const mails = [...new Map((await readCaughtMail(smtp.dir)).filter((m) => m.headers['x-gatehouse-template'] === 'forgotten-password').map((m) => [m.messageId, m])).values()];
    return { audits, stored, groupAudits, mails };
  };
  const deadline = Date.now() + 60_000;
  let seen = await read();
  const settled = () => seen.audits.length >= forgotten.length && seen.mails.length >= forgotten.length && seen.groupAudits.length >= seen.stored.length;
  while (!settled() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    seen = await read();
  }
  await new Promise((r) => setTimeout(r, 2000));
  seen = await read();
  const auditsOf = new Map(seen.groupAudits.map((row) => [row.resource_id, row.n]));
  return {
    expectedPerMailbox: perMailbox(forgotten.map((r) => r.target)),
    forgottenAuditsPerMailbox: perMailbox(seen.audits.map((row) => emailOf.get(row.resource_id) as string)),
    emailsPerMailbox: perMailbox(seen.mails.flatMap((m) => m.to)),
    distinctResetLinks: new Set(seen.mails.map((m) => tokenFromLink(m, '/ui/reset-password'))).size,
    emails: seen.mails.length,
    groupsStored: seen.stored.map((g) => g.name).sort(),
    groupsRequested: groups.map((g) => g.target).sort(),
    groupsNotAuditedOnce: seen.stored.filter((g) => auditsOf.get(g.id) !== 1).map((g) => g.name),
  };
}

/** The environment of a system under keyed load: no rate limits, emails to `smtp`, fast delivery retries. */
export function keyedLoadEnv(smtp: SmtpCatcher, publicBaseUrl: string): Record<string, string> {
  return {
    MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
    SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), PUBLIC_BASE_URL: publicBaseUrl,
    DELIVERY_POLL_MS: '200', DELIVERY_RETRY_BASE_MS: '200', DELIVERY_RETRY_MAX_MS: '1000',
  };
}

/** A JSON POST through the gateway, answered as status and parsed body (a problem included). */
export async function postJson(gatewayUrl: string, path: string, body: unknown, token?: string): Promise<{ status: number; body?: Record<string, unknown> }> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

/**
 * What a keyed load runs against, on a fresh system: its first Super Admin (`name@gatehouse.test`), a tenant
 * `name-home`, and four verified users as the forgotten-password mailboxes (address → id).
 */
export async function seedKeyedLoad(gatewayUrl: string, name: string): Promise<{ token: string; tenant: string; users: Map<string, string> }> {
  const owner = { username: `${name}@gatehouse.test`, password: `${name}-Owner-Pass-2024` };
  const fail = (what: string, answer: { status: number }) => new Error(`${what} answered ${answer.status}`);
  const setup = await postJson(gatewayUrl, '/api/v1/setup', owner);
  if (setup.status !== 201) throw fail('setup', setup);
  const token = (await postJson(gatewayUrl, '/api/v1/login', owner)).body?.accessToken as string;
  const tenant = `${name}-home`;
  const created = await postJson(gatewayUrl, '/api/v1/tenants', { id: tenant, name: 'Home' }, token);
  if (created.status !== 201) throw fail('tenant creation', created);
  const users = new Map<string, string>();
  for (const email of ['a', 'b', 'c', 'd'].map((x) => `${name}-mail-${x}@gatehouse.test`)) {
    const user = await postJson(gatewayUrl, '/api/v1/users', { username: email, password: `${name}-User-Pass-1`, emailVerified: true }, token);
    if (user.status !== 201) throw fail('user creation', user);
    users.set(email, user.body?.id as string);
  }
  return { token, tenant, users };
}
