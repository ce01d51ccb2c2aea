/** @jest-environment jsdom */
import {
  AddTenantAccessRequest, CreateApiTokenRequest, CreateGroupRequest, CreateInvitationRequest, CreateRoleRequest, CreateServiceAccountRequest,
  CreateTenantRequest, CreateUserRequest, RenamePasskeyRequest, UpdateTenantRequest, UpdateUserRequest,
} from '@gatehouse/contracts';
import { ProblemException, validateDto } from '@gatehouse/errors';
import { ApiError } from '../../api/client';
import { assertValid, checkForm, RULES, Rules } from '../checks';

/** The fields the server's validation of `dto` refuses in `body` (validateDto, as every service runs it). */
async function serverRefuses(dto: new () => object, body: Record<string, unknown>): Promise<string[]> {
  try {
    await validateDto(dto, body);
    return [];
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return [...new Set((error.problem.errors ?? []).map((e) => e.field))].sort();
  }
}

/** What a form sends: its fields, an empty optional one left out (as every form of the console does). */
const sent = (values: Record<string, string>, rules: Rules) =>
  Object.fromEntries(Object.entries(values).filter(([field, value]) => value !== '' || rules[field]?.required));

const UUID = '6f1c1a8e-3a52-4c1e-9a57-0c1f0f6a9d11';
const long = (n: number) => 'x'.repeat(n);

/**
 * Each form's rules against the request it sends, on the same inputs: the checks refuse exactly the
 * fields the server refuses. `base` fills what the form sends besides the checked fields.
 */
const cases: Array<{ name: string; dto: new () => object; rules: Rules; base?: Record<string, unknown>; samples: Array<Record<string, string>> }> = [
  {
    name: 'create user',
    dto: CreateUserRequest,
    rules: RULES.createUser,
    base: { password: 'Correct-Horse-42' },
    samples: [
      { username: 'ada' }, { username: '' }, { username: 'ada lovelace' }, { username: 'ada:1' }, { username: long(254) }, { username: long(255) },
      { username: 'ada', email: 'ada@example.com' }, { username: 'ada', email: 'ada@' }, { username: 'ada', email: 'ada@localhost' },
      { username: 'ada', email: `${long(250)}@example.com` }, { username: 'ada', firstName: long(100), lastName: long(101) },
      { username: 'ada', password: long(1025) }, { username: '😀'.repeat(254) },
    ],
  },
  {
    name: 'update user',
    dto: UpdateUserRequest,
    rules: RULES.updateUser,
    base: { id: UUID },
    samples: [{ firstName: 'Ada' }, { firstName: long(101) }, { email: 'not an email' }, { email: 'ada@example.com', lastName: long(100) }],
  },
  {
    name: 'group',
    dto: CreateGroupRequest,
    rules: RULES.nameAndDescription,
    samples: [{ name: 'ops' }, { name: '' }, { name: long(100) }, { name: long(101) }, { name: 'ops', description: long(1000) }, { name: 'ops', description: long(1001) }],
  },
  {
    name: 'role',
    dto: CreateRoleRequest,
    rules: RULES.nameAndDescription,
    base: { permissions: {} },
    samples: [{ name: 'Flow editor' }, { name: '' }, { name: long(101), description: long(1001) }],
  },
  {
    name: 'service account',
    dto: CreateServiceAccountRequest,
    rules: RULES.serviceAccount,
    samples: [
      { name: 'ci-bot' }, { name: 'a' }, { name: '' }, { name: 'CI' }, { name: '-ci' }, { name: 'ci-' }, { name: 'ci bot' }, { name: long(63) }, { name: long(64) },
      { name: 'ci', description: long(1001) },
    ],
  },
  {
    name: 'create tenant',
    dto: CreateTenantRequest,
    rules: RULES.createTenant,
    samples: [
      { id: 'acme', name: 'Acme' }, { id: 'a', name: 'Acme' }, { id: 'Acme', name: 'Acme' }, { id: '-acme', name: 'Acme' }, { id: long(63), name: 'Acme' },
      { id: long(64), name: 'Acme' }, { id: 'acme', name: '' }, { id: 'acme', name: long(201) }, { id: 'acme', name: 'Acme', workerGroup: long(101) },
      { id: 'acme', name: 'Acme', adminUser: long(255) }, { id: '', name: '' },
    ],
  },
  {
    name: 'update tenant',
    dto: UpdateTenantRequest,
    rules: RULES.updateTenant,
    base: { id: 'acme' },
    samples: [{ name: 'Acme' }, { name: long(201) }, { name: 'Acme', workerGroup: long(100) }, { name: 'Acme', workerGroup: long(101) }],
  },
  {
    name: 'API token',
    dto: CreateApiTokenRequest,
    rules: RULES.apiToken,
    samples: [
      { name: 'ci' }, { name: '' }, { name: long(101) }, { name: 'ci', description: long(1001) }, { name: 'ci', maxAge: 'P30D' }, { name: 'ci', maxAge: 'PT12H' },
      { name: 'ci', maxAge: '30 days' }, { name: 'ci', maxAge: 'P' }, { name: 'ci', maxAge: 'PT' }, { name: 'ci', maxAge: 'P1Y2M3W4DT5H6M7S' },
    ],
  },
  {
    name: 'rename passkey',
    dto: RenamePasskeyRequest,
    rules: RULES.passkey,
    base: { id: UUID },
    samples: [{ name: 'YubiKey' }, { name: '' }, { name: long(100) }, { name: long(101) }],
  },
  {
    name: 'invitation',
    dto: CreateInvitationRequest,
    rules: RULES.invitation,
    samples: [{ email: 'grace@example.com' }, { email: '' }, { email: 'grace' }, { email: 'grace@example' }, { email: `${long(64)}@${long(63)}.${long(63)}.${long(60)}` }],
  },
  {
    name: 'add existing user',
    dto: AddTenantAccessRequest,
    rules: RULES.invitation,
    samples: [{ email: 'grace@example.com' }, { email: 'grace@@example.com' }],
  },
];

describe.each(cases)('the checks of the $name form mirror the server', ({ dto, rules, base = {}, samples }) => {
  it.each(samples.map((s) => [JSON.stringify(s).slice(0, 80), s] as const))('%s', async (_label, values) => {
    const body = { ...base, ...sent(values, rules) };
    const client = checkForm(rules, values).map((e) => e.field).sort();
    expect(client).toEqual(await serverRefuses(dto, body));
  });
});

describe('assertValid', () => {
  it('throws a validation problem in plain words, naming each field once', () => {
    let thrown: unknown;
    try {
      assertValid(RULES.createTenant, { id: 'A', name: '' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).fieldErrors).toEqual([
      { field: 'id', message: 'Use 2-63 lowercase letters, digits and dashes, starting with a letter or digit.' },
      { field: 'name', message: 'This is required.' },
    ]);
  });

  it('lets valid values through', () => {
    expect(() => assertValid(RULES.nameAndDescription, { name: 'ops', description: '' })).not.toThrow();
  });
});
