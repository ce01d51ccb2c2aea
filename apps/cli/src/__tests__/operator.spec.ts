import { resolve } from 'node:path';
import { AuthorizationRpc, IdentityRpc, RpcDefinition, TenancyRpc } from '@gatehouse/contracts';
import { ApiError } from '../http-client';
import { OperatorRpc, OperatorTarget, operatorTargetFromEnv, OperatorUnreachableError } from '../operator/operator-rpc';
import { parsePermission } from '../commands/roles';
import { runCli } from './in-process-cli';

interface RpcCall {
  subject: string;
  data: unknown;
  tenantId: string | null | undefined;
}

type Answer = (data: Record<string, unknown>, tenantId: string | null | undefined) => unknown;

const conflict = () => {
  throw new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'exists' });
};
const notFound = () => {
  throw new ApiError({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such thing' });
};

const USER = { id: '11111111-1111-4111-8111-111111111111', username: 'prod.admin@kestra.io', superAdmin: false, status: 'ACTIVE' };
const ADMIN_ROLE = { id: '22222222-2222-4222-8222-222222222222', name: 'Admin', managed: true };
const INSTANCE_ADMIN_ROLE = { id: '33333333-3333-4333-8333-333333333333', name: 'Instance Admin', managed: true };
const page = (results: unknown[]) => ({ results, total: results.length, page: 1, size: 500 });

/** A healthy instance where tenant prod exists; `overrides` changes single answers. */
function instance(overrides: Array<[RpcDefinition<unknown, unknown>, Answer]> = []): Map<string, Answer> {
  const answers = new Map<string, Answer>([
    [TenancyRpc.getTenant.subject, (d) => ({ id: d.id, name: 'Production', status: 'ACTIVE' })],
    [TenancyRpc.settings.subject, () => ({ enabled: true, defaultTenant: true })],
    [TenancyRpc.createTenant.subject, (d) => ({ id: d.id, name: d.name, status: 'ACTIVE' })],
    [TenancyRpc.syncAccess.subject, () => ({ usersExamined: 3, usersGranted: 2, grantedUserIds: [], defaultRole: 'Viewer' })],
    [AuthorizationRpc.listRoles.subject, (_d, tenantId) => page(tenantId === undefined ? [INSTANCE_ADMIN_ROLE] : [ADMIN_ROLE])],
    [AuthorizationRpc.listGroups.subject, () => page([{ id: '44444444-4444-4444-8444-444444444444', name: 'bots' }])],
    [AuthorizationRpc.createBinding.subject, () => ({ id: 'b' })],
    [AuthorizationRpc.addGroupMember.subject, () => ({})],
    [IdentityRpc.createUser.subject, (d) => ({ ...USER, username: d.username, superAdmin: !!d.superAdmin })],
    [IdentityRpc.findUserByUsername.subject, () => USER],
    [IdentityRpc.getUser.subject, () => USER],
    [IdentityRpc.updateUser.subject, (d) => ({ ...USER, ...d })],
  ]);
  for (const [definition, answer] of overrides) answers.set(definition.subject, answer);
  return answers;
}

interface CliOptions {
  answers?: Map<string, Answer>;
  stdin?: string;
  /** The connection fails with this code. */
  down?: string;
  env?: Record<string, string>;
  /** Paths where a socket is found. */
  sockets?: string[];
}

async function cli(argv: string[], options: CliOptions = {}) {
  const rpcCalls: RpcCall[] = [];
  const httpCalls: string[] = [];
  const targets: OperatorTarget[] = [];
  let closed = 0;
  const answers = options.answers ?? instance();
  const rpc: OperatorRpc = {
    async call<Req, Res>(definition: RpcDefinition<Req, Res>, data: Req, tenantId?: string | null): Promise<Res> {
      rpcCalls.push({ subject: definition.subject, data, tenantId });
      const answer = answers.get(definition.subject);
      if (!answer) throw new Error(`unexpected ${definition.subject}`);
      return answer(data as Record<string, unknown>, tenantId) as Res;
    },
    async close() {
      closed++;
    },
  };
  const result = await runCli(argv, {
    stdin: options.stdin,
    env: options.env,
    fetch: async (input, init) => {
      httpCalls.push(`${init?.method} ${String(input)}`);
      return new Response(JSON.stringify({ id: 'dev', name: 'Dev', status: 'ACTIVE' }), { status: 201 });
    },
    connectOperator: async (target) => {
      targets.push(target);
      if (options.down) throw new OperatorUnreachableError(target, options.down, options.down);
      return rpc;
    },
    operatorSocketAt: (path) => (options.sockets ?? []).includes(path),
  });
  return { ...result, rpcCalls, httpCalls, targets, closed };
}

const subjects = (calls: RpcCall[]) => calls.map((c) => c.subject);

describe('operator commands (in-process, fake NATS)', () => {
  it('auths users create --tenant=prod --admin: checks the tenant, creates the user, binds prod\'s Admin role', async () => {
    const result = await cli(['auths', 'users', 'create', 'prod.admin@kestra.io', 'TopSecret42', '--tenant=prod', '--admin'], {
      env: { NATS_URL: 'nats://nats:4222', NATS_USER: 'operator', NATS_PASSWORD: 'pw' },
    });
    expect(result).toMatchObject({ code: 0, stderr: '', closed: 1 });
    expect(result.targets).toEqual([{ kind: 'nats', url: 'nats://nats:4222', user: 'operator', password: 'pw' }]);
    expect(subjects(result.rpcCalls)).toEqual([
      TenancyRpc.getTenant.subject, AuthorizationRpc.listRoles.subject, IdentityRpc.createUser.subject,
      AuthorizationRpc.createBinding.subject, IdentityRpc.getUser.subject,
    ]);
    expect(result.rpcCalls[2].data).toEqual({ username: 'prod.admin@kestra.io', password: 'TopSecret42' });
    expect(result.rpcCalls[3]).toMatchObject({ tenantId: 'prod', data: { roleId: ADMIN_ROLE.id, subjectType: 'USER', subjectId: USER.id } });
    expect(result.stdout).toContain('Granted: Admin in tenant prod.');
    expect(result.stdout).not.toContain('TopSecret42');
  });

  it('--instance-admin binds Instance Admin at instance level (tenantId undefined) and, with --tenant, Admin there', async () => {
    const result = await cli(['auths', 'users', 'create', 'ops@x.io', 'Pass-Word-11', '--tenant=prod', '--instance-admin']);
    expect(result.code).toBe(0);
    const bindings = result.rpcCalls.filter((c) => c.subject === AuthorizationRpc.createBinding.subject);
    expect(bindings.map((b) => [(b.data as { roleId: string }).roleId, b.tenantId])).toEqual([[INSTANCE_ADMIN_ROLE.id, undefined], [ADMIN_ROLE.id, 'prod']]);
  });

  it('an existing user gets the requested access; grants held already are reported, not failed', async () => {
    const answers = instance([[IdentityRpc.createUser, conflict], [AuthorizationRpc.createBinding, conflict]]);
    const result = await cli(['auths', 'users', 'create', 'prod.admin@kestra.io', '-', '--admin', '--groups=bots', '--superadmin'], { answers, stdin: 'pw-from-stdin\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exists already: its password was left unchanged');
    expect(result.stdout).toContain('Already had: Admin in the default tenant.');
    expect(result.stdout).toContain('Granted: member of group bots in the default tenant.');
    expect(result.stdout).toContain('Granted: Super Admin.');
    expect(result.rpcCalls.find((c) => c.subject === IdentityRpc.updateUser.subject)?.data).toEqual({ id: USER.id, superAdmin: true });
    expect(result.rpcCalls.find((c) => c.subject === IdentityRpc.createUser.subject)?.data).toMatchObject({ password: 'pw-from-stdin' });
  });

  it('an unknown tenant or group fails before anyone is created', async () => {
    const noTenant = await cli(['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--tenant=nope', '--admin'], { answers: instance([[TenancyRpc.getTenant, notFound]]) });
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toContain('tenant "nope" does not exist');
    expect(noTenant.stderr).toContain('Hint: create it first: gatehouse tenants create --tenant nope');
    const noGroup = await cli(['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--groups', 'ghosts']);
    expect(noGroup.code).toBe(1);
    expect(noGroup.stderr).toContain('has no group named "ghosts"');
    for (const result of [noTenant, noGroup]) expect(subjects(result.rpcCalls)).not.toContain(IdentityRpc.createUser.subject);
    expect(noGroup.closed).toBe(1);
  });

  it('exits 1 with "cannot reach NATS at <url>" (without the URL\'s credentials) when NATS is down', async () => {
    const result = await cli(['auths', 'users', 'sync-access'], { down: 'ECONNREFUSED', env: { NATS_URL: 'nats://operator:s3cret@127.0.0.1:4999' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach NATS at nats://127.0.0.1:4999 (ECONNREFUSED)');
    expect(result.stderr).toContain('Hint: is NATS running?');
    expect(result.stderr).not.toContain('s3cret');
  });

  it('with NATS_URL unset, goes through local mode\'s operator socket in GATEHOUSE_DATA_DIR when there is one', async () => {
    const result = await cli(['auths', 'users', 'sync-access'], { env: { GATEHOUSE_DATA_DIR: '/srv/gatehouse' }, sockets: ['/srv/gatehouse/operator.sock'] });
    expect(result.code).toBe(0);
    expect(result.targets).toEqual([{ kind: 'socket', path: '/srv/gatehouse/operator.sock' }]);
  });

  it('says where it looked for local mode when it falls back to NATS and NATS is down', async () => {
    const result = await cli(['auths', 'users', 'sync-access'], { down: 'ECONNREFUSED', env: { GATEHOUSE_DATA_DIR: '/srv/gatehouse' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach NATS at nats://localhost:4222 (ECONNREFUSED)');
    expect(result.stderr).toContain('for local mode (npm start), which has no NATS: no operator socket at /srv/gatehouse/operator.sock, set GATEHOUSE_DATA_DIR to its data folder');
  });

  it.each([
    ['ENOENT', 'is local mode (npm start) running?'],
    ['ECONNREFUSED', 'local mode is not running (a crashed one leaves its socket behind; the next start replaces it)'],
    ['EACCES', 'the socket is its owner\'s only: run the command on that host as the user that runs local mode'],
  ])('exits 1 naming the socket, and what to do, when local mode\'s socket cannot be reached (%s)', async (code, hint) => {
    const result = await cli(['tenants', 'create', '--tenant', 'dev', '--name', 'Dev'], { down: code, env: { GATEHOUSE_OPERATOR_SOCKET: '/run/gh/operator.sock' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Error: cannot reach local mode's operator socket at /run/gh/operator.sock (${code})`);
    expect(result.stderr).toContain(`Hint: ${hint}`);
    expect(result.rpcCalls).toEqual([]);
  });

  it('sync-access prints what it examined and granted', async () => {
    const result = await cli(['auths', 'users', 'sync-access']);
    expect(result.code).toBe(0);
    expect(result.targets).toEqual([{ kind: 'nats', url: 'nats://localhost:4222', localSocket: resolve('.data/operator.sock') }]);
    expect(result.stdout).toBe('Users examined: 3\nUsers granted access to the default tenant: 2\nDefault role given: Viewer\n');
  });

  it('set-superadmin finds the user and changes the flag', async () => {
    const result = await cli(['auths', 'users', 'set-superadmin', 'prod.admin@kestra.io', 'true', '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: USER.id, superAdmin: true });
  });

  it('tenants create goes over NATS without gateway options, and through the gateway with them', async () => {
    const local = await cli(['tenants', 'create', '--tenant', 'dev', '--name', 'Development environment']);
    expect(local.code).toBe(0);
    expect(local.rpcCalls).toEqual([{ subject: TenancyRpc.createTenant.subject, data: { id: 'dev', name: 'Development environment' }, tenantId: undefined }]);
    expect(local.httpCalls).toEqual([]);
    const remote = await cli(['tenants', 'create', '--tenant', 'dev', '--name', 'Dev', '--token', 'T', '--server', 'http://gw.test']);
    expect(remote.code).toBe(0);
    expect(remote.targets).toEqual([]);
    expect(remote.httpCalls).toEqual(['POST http://gw.test/api/v1/tenants']);
  });

  it.each([
    [['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--server', 'http://gw.test']],
    [['auths', 'users', 'sync-access', '--token', 'T']],
    [['auths', 'users', 'create', 'a@x.io']],
    [['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--tenant=Not_An_Id']],
    [['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--password-stdin']],
    [['auths', 'users', 'set-superadmin', 'a@x.io', 'perhaps']],
    [['auths', 'users', 'create', 'a@x.io', 'Pass-Word-11', '--admn']],
  ])('exits 2 with usage on %j, without touching NATS', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: gatehouse auths users');
    expect(result.targets).toEqual([]);
    expect(result.stderr).not.toContain('Pass-Word-11');
  });
});

describe('operatorTargetFromEnv: where the operator commands go', () => {
  const none = () => false;

  it('GATEHOUSE_OPERATOR_SOCKET first, even with NATS_URL set (made absolute)', () => {
    expect(operatorTargetFromEnv({ GATEHOUSE_OPERATOR_SOCKET: 'run/operator.sock', NATS_URL: 'nats://nats:4222' }, none))
      .toEqual({ kind: 'socket', path: resolve('run/operator.sock') });
  });

  it('with NATS_URL unset: the operator.sock of GATEHOUSE_DATA_DIR (default .data) when something is there, else NATS', () => {
    const at = (...paths: string[]) => (path: string) => paths.includes(path);
    expect(operatorTargetFromEnv({ GATEHOUSE_DATA_DIR: '/srv/gh' }, at('/srv/gh/operator.sock'))).toEqual({ kind: 'socket', path: '/srv/gh/operator.sock' });
    expect(operatorTargetFromEnv({}, at(resolve('.data/operator.sock')))).toEqual({ kind: 'socket', path: resolve('.data/operator.sock') });
    expect(operatorTargetFromEnv({ NATS_USER: 'operator', NATS_PASSWORD: 'pw' }, none))
      .toEqual({ kind: 'nats', url: 'nats://localhost:4222', user: 'operator', password: 'pw', localSocket: resolve('.data/operator.sock') });
  });

  it('with NATS_URL set: NATS, wherever a socket is', () => {
    const everywhere = jest.fn(() => true);
    expect(operatorTargetFromEnv({ NATS_URL: 'nats://nats:4222', GATEHOUSE_DATA_DIR: '/srv/gh' }, everywhere)).toEqual({ kind: 'nats', url: 'nats://nats:4222' });
    expect(everywhere).not.toHaveBeenCalled();
  });
});

describe('parsePermission', () => {
  it('reads PERMISSION:ACTION[,ACTION] and * for every action, case-insensitively', () => {
    expect(parsePermission('FLOW:READ,UPDATE')).toEqual(['FLOW', ['READ', 'UPDATE']]);
    expect(parsePermission('execution:*')).toEqual(['EXECUTION', ['CREATE', 'READ', 'UPDATE', 'DELETE']]);
  });

  it.each(['FLOW', 'FLOW:', 'FLOWS:READ', 'FLOW:FLY', ':READ'])('refuses %j', (flag) => {
    expect(() => parsePermission(flag)).toThrow();
  });
});
