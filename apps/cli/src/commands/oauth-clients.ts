import { Command, InvalidArgumentError } from 'commander';
import type {
  CreatedOAuthClient, CreateOAuthClientRequest, OAuthClientView, OAuthClientWithSecret, OAuthGrantType, OAuthScope, Page, PageQuery,
  ServiceAccountView, UpdateOAuthClientRequest,
} from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName } from './lookup';
import { booleanWord, collect, collectWhole, pageQuery, withPaging, withTenant } from './options';

export const OAUTH_CLIENT_COLUMNS: Column<OAuthClientView>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'client id', value: (c) => c.clientId },
  { header: 'type', value: (c) => c.type },
  { header: 'owner', value: (c) => `${c.ownerType === 'SERVICE_ACCOUNT' ? 'service account' : 'user'} ${c.ownerId}` },
  { header: 'grant types', value: (c) => c.grantTypes.join(' ') },
  { header: 'first party', value: (c) => (c.firstParty ? 'yes' : 'no') },
];

/** Values the contracts accept; the server refuses the rest too, with the field named. */
const TYPES = ['public', 'confidential'];

interface TenantOption {
  tenant?: string;
}

interface ClientOptions extends TenantOption {
  name?: string;
  description?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  backchannelLogoutUri?: string;
  grantType?: string[];
  scope?: string[];
  firstParty?: boolean;
}

interface CreateOptions extends ClientOptions {
  type: string;
  ownerServiceAccount?: string;
}

const CLIENT_ARG = ['<client>', 'OAuth client id (the UUID), client_id or name'] as const;

function clientType(value: string): string {
  if (!TYPES.includes(value)) throw new InvalidArgumentError(`expected ${TYPES.join(' or ')}`);
  return value;
}

async function clientPath(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  const base = `${ctx.tenantBase(tenant)}/oauth-clients`;
  const id = await idOrName<OAuthClientView>(ctx, ref, base, [(c) => c.name, (c) => c.clientId], 'OAuth client');
  return `${base}/${id}`;
}

/** The options of create and update: only what is given is sent. */
function withClientOptions(command: Command, forUpdate: boolean): Command {
  return command
    .option('--description <text>', 'description')
    .option('--redirect-uri <uri>', 'redirect URI, matched exactly (repeatable; https, or http on localhost/127.0.0.1)', collectWhole)
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeatable)', collectWhole)
    .option('--backchannel-logout-uri <uri>', `back-channel logout URI: receives a logout token when a session ends (https, or http on localhost)${forUpdate ? "; '' removes it" : ''}`)
    .option('--grant-type <type>', 'authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:token-exchange (repeatable)', collect)
    .option('--scope <scope>', 'openid, profile, email, offline_access, tenant, roles or groups (repeatable)', collect)
    .option(
      forUpdate ? '--first-party <true|false>' : '--first-party [true|false]',
      'first-party clients skip the consent screen',
      booleanWord,
    );
}

function clientBody(options: ClientOptions): Partial<CreateOAuthClientRequest> {
  return {
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.redirectUri !== undefined ? { redirectUris: options.redirectUri } : {}),
    ...(options.postLogoutRedirectUri !== undefined ? { postLogoutRedirectUris: options.postLogoutRedirectUri } : {}),
    ...(options.backchannelLogoutUri !== undefined ? { backchannelLogoutUri: options.backchannelLogoutUri || null } : {}),
    ...(options.grantType !== undefined ? { grantTypes: options.grantType as OAuthGrantType[] } : {}),
    ...(options.scope !== undefined ? { scopes: options.scope as OAuthScope[] } : {}),
    ...(options.firstParty !== undefined ? { firstParty: options.firstParty } : {}),
  };
}

/** The secret is in the answer once: print it with a warning (the warning on stderr keeps stdout parseable). */
function printWithSecret(ctx: CommandContext, client: CreatedOAuthClient): void {
  if (client.clientSecret) ctx.note('Copy the client secret now: it is shown only this once and cannot be read back.');
  ctx.print(client, () => renderRecord(client));
}

export function registerOAuthClients(program: Command, context: ContextFactory): void {
  const clients = program
    .command('oauth-clients')
    .description("Manage a tenant's OAuth clients, the applications that sign in with Gatehouse's OpenID Connect provider (needs SERVICE_ACCOUNT)");

  withPaging(withTenant(clients.command('list').description('Search OAuth clients (never their secrets)'))).action(
    async (options: PageQuery & TenantOption, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<OAuthClientView>>('GET', `${ctx.tenantBase(options.tenant)}/oauth-clients`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, OAUTH_CLIENT_COLUMNS, 'OAuth clients'));
    },
  );

  withTenant(clients.command('get').description('Show one OAuth client (never its secret)').argument(...CLIENT_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const client = await ctx.api<OAuthClientView>('GET', await clientPath(ctx, options.tenant, ref));
      ctx.print(client, () => renderRecord(client));
    },
  );

  withTenant(
    withClientOptions(
      clients
        .command('create')
        .description("Register an OAuth client; a confidential client's secret is printed once")
        .argument('<name>', 'name, unique in the tenant')
        .option('--type <type>', 'public (SPA, native app: no secret, PKCE) or confidential (has a secret)', clientType, 'confidential')
        .option('--owner-service-account <service-account>', 'owned by this service account (id or name), which it acts as with client_credentials'),
      false,
    ),
  ).action(async (name: string, options: CreateOptions, command: Command) => {
    const ctx = context(command);
    const body: CreateOAuthClientRequest = { name, type: options.type as CreateOAuthClientRequest['type'], ...clientBody(options) };
    if (options.ownerServiceAccount !== undefined) {
      const base = `${ctx.tenantBase(options.tenant)}/service-accounts`;
      body.ownerType = 'SERVICE_ACCOUNT';
      body.ownerId = await idOrName<ServiceAccountView>(ctx, options.ownerServiceAccount, base, [(s) => s.name], 'service account');
    }
    const client = await ctx.api<CreatedOAuthClient>('POST', `${ctx.tenantBase(options.tenant)}/oauth-clients`, { body });
    printWithSecret(ctx, client);
  });

  withTenant(
    withClientOptions(clients.command('update').description('Change an OAuth client (the lists given replace the current ones)').argument(...CLIENT_ARG), true)
      .option('--name <name>', 'new name'),
  ).action(async (ref: string, options: ClientOptions, command: Command) => {
    const ctx = context(command);
    const body: Omit<UpdateOAuthClientRequest, 'id'> = { ...(options.name !== undefined ? { name: options.name } : {}), ...clientBody(options) };
    if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --name, --description, --redirect-uri, --grant-type, --scope or --first-party');
    const client = await ctx.api<OAuthClientView>('PATCH', await clientPath(ctx, options.tenant, ref), { body });
    ctx.print(client, () => renderRecord(client));
  });

  withTenant(clients.command('delete').description('Delete an OAuth client').argument(...CLIENT_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const path = await clientPath(ctx, options.tenant, ref);
      await ctx.api('DELETE', path);
      ctx.print({ deleted: path.split('/').pop() }, () => `Deleted OAuth client ${ref}.\n`);
    },
  );

  withTenant(
    clients.command('rotate-secret').description("Issue a new secret for a confidential client (printed once); the old one stops working").argument(...CLIENT_ARG),
  ).action(async (ref: string, options: TenantOption, command: Command) => {
    const ctx = context(command);
    const client = await ctx.api<OAuthClientWithSecret>('POST', `${await clientPath(ctx, options.tenant, ref)}/secret`);
    printWithSecret(ctx, client);
  });
}
