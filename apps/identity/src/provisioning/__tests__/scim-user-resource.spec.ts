import { ProblemException } from '@gatehouse/errors';
import { readScimUser, renderScimUser } from '../scim-user-resource';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const EXT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const refusal = (body: unknown) => {
  try {
    readScimUser(body);
  } catch (error) {
    return (error as ProblemException).problem;
  }
  throw new Error('not refused');
};

describe('SCIM User resources', () => {
  it("reads names case-insensitively, keeps identity's columns apart, and picks the primary email as the account's", () => {
    const input = readScimUser({
      SCHEMAS: [USER, EXT], USERNAME: 'ada', Name: { GivenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada L' }, active: 'False',
      emails: [{ value: 'home@example.com', type: 'home' }, { value: 'ada@example.com', type: 'work', primary: true }], roles: [],
      [EXT]: { Department: 'Engines', manager: { value: 'm-1' } }, id: 'ignored', meta: { version: 'x' }, groups: [{ value: 'g' }], password: 'Secret-Pass-1',
    });
    expect(input).toEqual({
      userName: 'ada', externalId: null, active: false, email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace', password: 'Secret-Pass-1',
      stored: {
        name: { formatted: 'Ada L' },
        emails: [{ value: 'home@example.com', type: 'home' }, { value: 'ada@example.com', type: 'work', primary: true }],
        [EXT]: { department: 'Engines', manager: { value: 'm-1' } },
      },
    });
  });

  it('takes userName as the address when it is one and no email is given', () => {
    expect(readScimUser({ schemas: [USER], userName: 'bob@example.com' }).email).toBe('bob@example.com');
  });

  it.each([
    [{ userName: 'a@x.example' }, 'invalidValue'],
    [{ schemas: [USER] }, 'invalidValue'],
    [{ schemas: [USER], userName: 'a b@x.example' }, 'invalidValue'],
    [{ schemas: [USER], userName: 'nobody' }, 'invalidValue'],
    [{ schemas: [USER], userName: 'a@x.example', shoeSize: 42 }, 'invalidPath'],
    [{ schemas: [USER], userName: 'a@x.example', emails: [{ value: 'a@x.example', primary: true }, { value: 'b@x.example', primary: true }] }, 'invalidValue'],
    [{ schemas: [USER], userName: 'a@x.example', active: 'maybe' }, 'invalidValue'],
    [{ schemas: [USER], userName: 'a@x.example', [EXT]: { shoeSize: 1 } }, 'invalidPath'],
    [{ schemas: [USER], userName: 'a@x.example', name: { nickname: 'x' } }, 'invalidPath'],
    [[], 'invalidSyntax'],
  ])('refuses %j with 400 %s', (body, scimType) => {
    expect(refusal(body)).toMatchObject({ status: 400, scimType });
  });

  it("renders identity's columns over the stored ones, active only while the account is, and never a password", () => {
    const row = {
      id: 'u-1', username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: null, status: 'DISABLED', external_id: 'e-1', active: true,
      resource: { name: { formatted: 'Ada L', givenName: 'stale' }, title: 'Analyst' }, created_at: new Date(0), last_modified: new Date(1000), version: 'v1',
    };
    const rendered = renderScimUser(row, 'https://gw/Users/u-1', [{ id: 'g-1', displayName: 'ops' }], (id) => `https://gw/Groups/${id}`);
    expect(rendered).toEqual({
      schemas: [USER], id: 'u-1', externalId: 'e-1', userName: 'ada', name: { formatted: 'Ada L', givenName: 'Ada' }, title: 'Analyst', active: false,
      emails: [{ value: 'ada@example.com', primary: true }], groups: [{ value: 'g-1', display: 'ops', $ref: 'https://gw/Groups/g-1', type: 'direct' }],
      meta: { resourceType: 'User', created: '1970-01-01T00:00:00.000Z', lastModified: '1970-01-01T00:00:01.000Z', location: 'https://gw/Users/u-1', version: 'W/"v1"' },
    });
  });
});
