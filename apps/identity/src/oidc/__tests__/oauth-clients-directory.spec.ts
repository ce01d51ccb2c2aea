import { OAuthClientsService } from '../../oauth-clients/oauth-clients.service';
import { OAuthClientsDirectory } from '../oauth-clients-directory';

const stored: Record<string, unknown> & { client_id: string } = {
  client_id: 'AbC-123_xyz',
  client_name: 'Acme Books',
  tenantId: 'acme',
  ownerType: 'USER',
  ownerId: 'u1',
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: ['https://books.test/cb'],
  post_logout_redirect_uris: [],
  grant_types: ['authorization_code', 'refresh_token'],
  scope: 'openid email',
  firstParty: false,
};

function directory() {
  const clients = { findForProvider: jest.fn(async (id: string) => (id === stored.client_id ? stored : null)), verifySecret: jest.fn(async () => true) };
  return { directory: new OAuthClientsDirectory(clients as unknown as OAuthClientsService), clients };
}

describe('OAuthClientsDirectory: client_id plausibility', () => {
  it.each([
    ['empty', ''],
    ['a NUL', 'abc\u0000def'],
    ['too long', 'a'.repeat(129)],
    ['not base64url', 'abc+def/='],
    ['spaces', 'abc def'],
    ['SQL', "x' OR '1'='1"],
    ['non-ASCII', 'abcé'],
  ])('a client id that cannot be one (%s) is no client and no secret matches, without asking the store', async (_why, id) => {
    const { directory: d, clients } = directory();
    expect(await d.find(id)).toBeNull();
    expect(await d.verifySecret(id, 'ghcs_secret')).toBe(false);
    expect(clients.findForProvider).not.toHaveBeenCalled();
    expect(clients.verifySecret).not.toHaveBeenCalled();
  });

  it('a plausible one (base64url, up to 128 characters) is looked up: an unknown one is no client, a known one its metadata', async () => {
    const { directory: d, clients } = directory();
    expect(await d.find('a'.repeat(128))).toBeNull();
    expect(clients.findForProvider).toHaveBeenCalledWith('a'.repeat(128));
    expect(await d.find(stored.client_id)).toEqual({
      clientId: 'AbC-123_xyz',
      name: 'Acme Books',
      tenantId: 'acme',
      owner: { type: 'USER', id: 'u1' },
      type: 'confidential',
      redirectUris: ['https://books.test/cb'],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'email'],
      firstParty: false,
    });
    clients.findForProvider.mockResolvedValueOnce({ ...stored, backchannel_logout_uri: 'https://books.test/logout' });
    expect(await d.find(stored.client_id)).toMatchObject({ backchannelLogoutUri: 'https://books.test/logout' });
    expect(await d.verifySecret(stored.client_id, 'ghcs_secret')).toBe(true);
    expect(clients.verifySecret).toHaveBeenCalledWith(stored.client_id, 'ghcs_secret');
  });
});
