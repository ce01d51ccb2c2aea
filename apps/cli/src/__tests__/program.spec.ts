import { OperatorTarget, OperatorUnreachableError } from '../operator/operator-rpc';
import { runCli } from './in-process-cli';

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, body: Record<string, unknown>) =>
  json(status, { type: 'about:blank', status, ...body }, 'application/problem+json');

/** Runs the CLI in-process against a fake gateway. */
async function cli(argv: string[], handler: (call: Call) => Response | Promise<Response>, options: { stdin?: string; env?: Record<string, string> } = {}) {
  const calls: Call[] = [];
  const connections: OperatorTarget[] = [];
  const result = await runCli(argv, {
    ...options,
    fetch: async (input, init) => {
      const call: Call = {
        method: init?.method ?? 'GET',
        url: String(input),
        headers: (init?.headers ?? {}) as Record<string, string>,
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      return handler(call);
    },
    connectOperator: async (target) => {
      connections.push(target);
      throw new OperatorUnreachableError(target, 'ECONNREFUSED');
    },
    operatorSocketAt: () => false,
  });
  return { ...result, calls, connections };
}

const tenant = { id: 'dev', name: 'Development environment', workerGroup: null, status: 'ACTIVE', createdAt: 'c', updatedAt: 'u' };

describe('gatehouse CLI (in-process)', () => {
  it('signs in with --user, then creates a tenant with the returned access token', async () => {
    const result = await cli(
      ['tenants', 'create', '--tenant', 'dev', '--name', 'Development environment', '--user', 'root:s3cret:pw', '--server', 'http://gw.test/'],
      (call) => (call.url.endsWith('/login') ? json(200, { accessToken: 'AT' }) : json(201, tenant)),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST http://gw.test/api/v1/login', 'POST http://gw.test/api/v1/tenants']);
    expect(result.calls[0].body).toEqual({ username: 'root', password: 's3cret:pw' });
    expect(result.calls[1].headers.authorization).toBe('Bearer AT');
    expect(result.calls[1].body).toEqual({ id: 'dev', name: 'Development environment' });
    expect(result.stdout).toMatch(/^name:\s+Development environment$/m);
  });

  it('reads the password of --user from stdin and never prints it', async () => {
    const result = await cli(['me', '--user', 'root', '--password-stdin', '--output', 'json'], (call) =>
      call.url.endsWith('/login') ? json(200, { accessToken: 'AT' }) : json(200, { id: '1', username: 'root' }),
    { stdin: 'pa:ss word\n' });
    expect(result.code).toBe(0);
    expect(result.calls[0].body).toEqual({ username: 'root', password: 'pa:ss word' });
    expect(JSON.parse(result.stdout)).toEqual({ id: '1', username: 'root' });
  });

  it('uses GATEHOUSE_SERVER and GATEHOUSE_TOKEN and passes list options as query', async () => {
    const result = await cli(['tenants', 'list', '--q', 'de v', '--size', '5'], () => json(200, { results: [tenant], total: 1, page: 1, size: 5 }), {
      env: { GATEHOUSE_SERVER: 'http://env.test:9000', GATEHOUSE_TOKEN: 'ENVTOKEN' },
    });
    expect(result.code).toBe(0);
    expect(result.calls[0].url).toBe('http://env.test:9000/api/v1/tenants?q=de+v&size=5');
    expect(result.calls[0].headers.authorization).toBe('Bearer ENVTOKEN');
    expect(result.stdout).toContain('Page 1 of 1 (1 tenants in total)');
  });

  it('exits 1 on a 403 with the detail and the missing permission', async () => {
    const result = await cli(['tenants', 'list', '--token', 'T'], () =>
      problem(403, { title: 'Forbidden', detail: 'Missing permission TENANT:READ', permission: 'TENANT', action: 'READ' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Missing permission TENANT:READ');
    expect(result.stderr).toMatch(/Hint: .*TENANT permission \(action READ\)/);
  });

  it('exits 1 on a 400 listing each field error, and on a 401 with a hint about credentials', async () => {
    const bad = await cli(['tenants', 'create', '--tenant', 'X', '--name', 'n', '--token', 'T'], () =>
      problem(400, { title: 'Bad Request', detail: 'Validation failed', errors: [{ field: 'id', message: 'id must be lowercase' }] }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('  id: id must be lowercase');

    const refused = await cli(['me', '--user', 'root:wrong-pass'], () => problem(401, { title: 'Unauthorized', detail: 'Invalid credentials' }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Invalid credentials');
    expect(refused.stderr).toContain('check --token/--user');
    expect(refused.stderr + refused.stdout).not.toContain('wrong-pass');
  });

  it('exits 1 with "cannot reach <url>" when the gateway is down', async () => {
    const result = await cli(['setup', 'status', '--server', 'http://down.test:8080'], () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach http://down.test:8080 (ECONNREFUSED)');
  });

  it.each([
    [['tenants', 'list', '--bogus']],
    [['tenants', 'get']],
    [['tenants', 'create', '--tenant', 'dev']],
    [['nope']],
    [['tenants', 'list', '--page', '0', '--token', 'T']],
    [['me', '--output', 'xml', '--token', 'T']],
    [['me', '--token', 'T', '--user', 'a:b']],
    [['me', '--user', 'no-password-here']],
    [['me']],
  ])('exits 2 with usage on %j, without calling the server', async (argv) => {
    const result = await cli(argv, () => json(200, {}));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: /);
    expect(result.stderr).toContain('Usage: gatehouse');
    expect(result.calls).toHaveLength(0);
    expect(result.stderr).not.toContain('no-password-here');
  });

  it('groups and service accounts: update sends only the fields given (neither: exit 2); members add and remove name the member', async () => {
    const group = '55555555-5555-4555-8555-555555555555';
    const member = '66666666-6666-4666-8666-666666666666';
    const ok = () => json(200, { id: group });
    const sent = async (argv: string[]) => (await cli([...argv, '--token', 'T', '--tenant', 'dev', '--output', 'json'], ok)).calls;

    expect(await sent(['groups', 'update', group, '--description', 'Ops'])).toEqual([
      expect.objectContaining({ method: 'PATCH', url: `http://localhost:8080/api/v1/dev/groups/${group}`, body: { description: 'Ops' } }),
    ]);
    expect((await sent(['sa', 'update', group, '--name', 'ci', '--description', '']))[0].body).toEqual({ name: 'ci', description: '' });
    expect((await sent(['groups', 'create', 'ops']))[0].body).toEqual({ name: 'ops' });
    const nothing = await cli(['groups', 'update', group, '--token', 'T'], ok);
    expect(nothing).toMatchObject({ code: 2, calls: [] });
    expect(nothing.stderr).toContain('nothing to change: give --name or --description');

    expect(await sent(['groups', 'members', 'add', group, member, '--service-account'])).toEqual([
      expect.objectContaining({ method: 'POST', url: `http://localhost:8080/api/v1/dev/groups/${group}/members`, body: { memberType: 'SERVICE_ACCOUNT', memberId: member } }),
    ]);
    const removed = await cli(['groups', 'members', 'remove', group, member, '--token', 'T', '--tenant', 'dev'], () => new Response(null, { status: 204 }));
    expect(removed.calls.map((c) => `${c.method} ${c.url}`)).toEqual([`DELETE http://localhost:8080/api/v1/dev/groups/${group}/members/${member}`]);
    expect(removed.stdout).toBe(`Removed ${member} from group ${group}.\n`);
  });

  it('me mfa: enrol prints the QR code and secret (not the image), confirm prints the recovery codes once, with notes on stderr', async () => {
    const enrolment = { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Gatehouse:ada?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse', qrCode: 'data:image/png;base64,AAAA' };
    const enrol = await cli(['me', 'mfa', 'totp', 'enrol', '--token', 'T'], () => json(201, enrolment));
    expect(enrol.calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST http://localhost:8080/api/v1/me/mfa/totp']);
    expect(enrol.stdout).toContain('JBSWY3DPEHPK3PXP');
    expect(enrol.stdout).not.toContain('data:image');
    expect(enrol.stderr).toContain('gatehouse me mfa totp confirm');
    const confirm = await cli(['me', 'mfa', 'totp', 'confirm', '123456', '--token', 'T'], () => json(200, { recoveryCodes: ['aaaa-bbbb-cccc-dddd', 'eeee-ffff-gggg-hhhh'] }));
    expect(confirm.calls[0]).toMatchObject({ method: 'POST', url: 'http://localhost:8080/api/v1/me/mfa/totp/confirm', body: { code: '123456' } });
    expect(confirm.stdout).toBe('aaaa-bbbb-cccc-dddd\neeee-ffff-gggg-hhhh\n');
    expect(confirm.stderr).toContain('shown only now');
    const removed = await cli(['me', 'mfa', 'totp', 'remove', '--token', 'T'], () => new Response(null, { status: 204 }));
    expect(removed.calls.map((c) => `${c.method} ${c.url}`)).toEqual(['DELETE http://localhost:8080/api/v1/me/mfa/totp']);
  });

  it('--user with a second factor: the mfa-required problem is answered with --otp (a code or a recovery code), or exit 2 without it', async () => {
    const mfaRequired = () => problem(401, { type: 'https://gatehouse.dev/problems/mfa-required', title: 'Unauthorized', mfaToken: 'ghm_x', factors: ['totp'] });
    const gateway = (call: Call) => (call.url.endsWith('/login') ? mfaRequired() : call.url.endsWith('/login/mfa') ? json(200, { accessToken: 'AT' }) : json(200, { id: 'me' }));
    const withCode = await cli(['me', '--user', 'ada:pw', '--otp', '123456'], gateway);
    expect(withCode.calls.map((c) => c.url.replace('http://localhost:8080', ''))).toEqual(['/api/v1/login', '/api/v1/login/mfa', '/api/v1/me']);
    expect(withCode.calls[1].body).toEqual({ mfaToken: 'ghm_x', code: '123456' });
    expect(withCode.calls[2].headers.authorization).toBe('Bearer AT');
    const withRecovery = await cli(['me', '--user', 'ada:pw', '--otp', 'abcd-efgh-jkmn-pqrs'], gateway);
    expect(withRecovery.calls[1].body).toEqual({ mfaToken: 'ghm_x', recoveryCode: 'abcd-efgh-jkmn-pqrs' });
    const without = await cli(['me', '--user', 'ada:pw'], gateway);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--otp');
  });

  it('prints help with exit 0', async () => {
    const result = await cli(['users', 'create', '--help'], () => json(200, {}));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: gatehouse users create [options] <username> <password>');
    expect(result.stdout).toContain('--first-name');
  });
});
