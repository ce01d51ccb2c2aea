import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type {
  ConnectionTestResult, GroupMapping, IdentityLinkWithUser, IdentityProviderView, LdapSettings, Page, PageQuery, UserAuthenticationView,
} from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName, userId } from './lookup';
import { booleanWord, collect, collectWhole, pageQuery, positiveInt, withPaging, withTenant } from './options';

export const PROVIDER_COLUMNS: Column<IdentityProviderView>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'name', value: (p) => p.name },
  { header: 'type', value: (p) => p.type },
  { header: 'enabled', value: (p) => (p.enabled ? 'yes' : 'no') },
  { header: 'jit', value: (p) => (p.jitProvisioning ? 'yes' : 'no') },
  { header: 'session', value: (p) => (p.type === 'ldap' ? '-' : `${p.sessionLifetimeSeconds}s`) },
  { header: 'domains', value: (p) => p.domains.join(',') },
  { header: 'mappings', value: (p) => String(p.groupMappings.length) },
];

const LINK_COLUMNS: Column<IdentityLinkWithUser>[] = [
  { header: 'user', value: (l) => l.username },
  { header: 'user id', value: (l) => l.userId },
  { header: 'external id', value: (l) => l.externalId },
  { header: 'linked by', value: (l) => l.linkedBy },
  { header: 'last sign-in', value: (l) => l.lastSignInAt ?? 'never' },
];

interface ScopeOptions {
  tenant?: string;
  instance?: boolean;
}

interface ProviderOptions extends ScopeOptions {
  name?: string;
  enabled?: boolean;
  jit?: boolean;
  sessionLifetime?: number;
  domain?: string[];
  map?: string[];
  url?: string;
  startTls?: boolean;
  caFile?: string;
  bindDn?: string;
  bindPassword?: string;
  userBase?: string;
  userFilter?: string;
  activeFilter?: string;
  groupBase?: string;
  groupFilter?: string;
  groupNameAttribute?: string;
  attribute?: string[];
  emailVerified?: boolean;
  timeoutMs?: number;
  poolSize?: number;
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string[];
  claim?: string[];
  mfaAmr?: string[];
  metadataUrl?: string;
  metadataFile?: string;
  mfaContext?: string[];
  clockSkew?: number;
}

const PROVIDER_ARG = ['<provider>', 'identity provider id or name'] as const;

function withScope(command: Command): Command {
  return withTenant(command).option('--instance', "the instance-wide providers (TENANT at instance level) instead of a tenant's");
}

function basePath(ctx: CommandContext, options: ScopeOptions): string {
  if (options.instance && options.tenant !== undefined) ctx.usageError('give --tenant or --instance, not both');
  return options.instance ? '/api/v1/identity-providers' : `${ctx.tenantBase(options.tenant)}/identity-providers`;
}

async function providerPath(ctx: CommandContext, options: ScopeOptions, ref: string): Promise<string> {
  const base = basePath(ctx, options);
  return `${base}/${await idOrName<IdentityProviderView>(ctx, ref, base, [(p) => p.name], 'identity provider')}`;
}

/** `--map "cn=admins,ou=groups,dc=example,dc=com=<group id>"`: the provider group, then `=`, the Gatehouse group id (and `@tenant` for an instance-wide provider). */
function mappingOf(value: string, instance: boolean): GroupMapping {
  const match = /^(.+)=([0-9a-f-]{36})(?:@([a-z0-9-]+|default))?$/i.exec(value);
  if (!match) throw new InvalidArgumentError(`--map must be <provider group>=<group id>[@<tenant>], not "${value}"`);
  const [, providerGroup, groupId, tenant] = match;
  if (!instance) return { providerGroup, groupId };
  return { providerGroup, groupId, tenantId: tenant === undefined || tenant === 'default' ? null : tenant };
}

function withProviderOptions(command: Command): Command {
  return command
    .option('--name <name>', 'display name, unique where it lives')
    .option('--enabled <true|false>', 'enabled (default true)', booleanWord)
    .option('--jit <true|false>', 'create a user at the first sign-in of someone the provider knows (default false)', booleanWord)
    .option('--session-lifetime <seconds>', 'OIDC, SAML: a session its sign-in starts ends after this long, refreshes included (default 36000)', positiveInt)
    .option('--domain <domain>', 'email domain sent to this provider (repeatable)', collect)
    .option('--map <group=id[@tenant]>', 'provider group (name or DN) mapped to a Gatehouse group id (repeatable; @tenant for --instance)', collectWhole)
    .option('--url <url>', 'LDAP: ldaps://host[:port], or ldap:// with --start-tls')
    .option('--start-tls <true|false>', 'LDAP: upgrade ldap:// with StartTLS', booleanWord)
    .option('--ca-file <pem>', "LDAP: PEM file of the CA of the directory's certificate")
    .option('--bind-dn <dn>', 'LDAP: the service account that searches')
    .option('--bind-password <password>', 'LDAP: its password ("-" reads it from stdin); stored encrypted')
    .option('--user-base <dn>', 'LDAP: where users are searched')
    .option('--user-filter <filter>', 'LDAP: user filter with {login} (default (|(uid={login})(mail={login})))')
    .option('--active-filter <filter>', 'LDAP: an entry must also match this to sign in')
    .option('--group-base <dn>', 'LDAP: where groups are searched')
    .option('--group-filter <filter>', 'LDAP: group filter with {dn} / {login} (default (|(member={dn})(uniqueMember={dn})))')
    .option('--group-name-attribute <attribute>', 'LDAP: group name attribute (default cn)')
    .option('--attribute <field=attribute>', 'LDAP, SAML: attribute mapping, e.g. username=sAMAccountName (id, username, email, firstName, lastName; SAML: groups, and username= for the NameID; repeatable)', collectWhole)
    .option('--email-verified <true|false>', "LDAP, SAML: the provider's addresses are verified (they may link existing accounts; default false)", booleanWord)
    .option('--timeout-ms <ms>', 'LDAP: per-operation timeout', positiveInt)
    .option('--pool-size <n>', 'LDAP: search connections kept', positiveInt)
    .option('--issuer <url>', 'OIDC: the issuer (discovery at /.well-known/openid-configuration)')
    .option('--client-id <id>', 'OIDC: the client registered at the provider (its redirect URI: see get)')
    .option('--client-secret <secret>', 'OIDC: its secret ("-" reads it from stdin); stored encrypted')
    .option('--scope <scope>', 'OIDC: a scope to ask (repeatable; default openid profile email)', collect)
    .option('--claim <field=claim>', 'OIDC: claim mapping, e.g. groups=roles (username, email, firstName, lastName, groups; repeatable)', collectWhole)
    .option('--mfa-amr <value>', 'OIDC: amr values meaning a second factor was checked (repeatable)', collect)
    .option('--metadata-url <url>', "SAML: the IdP's metadata URL (read at each save)")
    .option('--metadata-file <file>', "SAML: the IdP's metadata XML from a file (\"-\" reads stdin), when it has no URL")
    .option('--mfa-context <class>', 'SAML: an AuthnContextClassRef meaning a second factor was checked (repeatable)', collect)
    .option('--clock-skew <seconds>', 'SAML: clock skew allowed on NotBefore / NotOnOrAfter (default 60)', positiveInt);
}

function oidcSettings(ctx: CommandContext, options: ProviderOptions, base: Record<string, unknown>): Record<string, unknown> {
  const claims: Record<string, string> = { ...((base['claims'] as Record<string, string> | undefined) ?? {}) };
  for (const entry of options.claim ?? []) {
    const [field, claim] = entry.split('=');
    if (!field || !claim) ctx.usageError(`--claim must be field=claim, not "${entry}"`);
    claims[field] = claim;
  }
  const { clientSecretSet: _set, redirectUri: _uri, ...kept } = base;
  return {
    ...kept,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    ...(options.scope !== undefined ? { scopes: options.scope } : {}),
    ...(options.mfaAmr !== undefined ? { mfaAmr: options.mfaAmr } : {}),
    ...(Object.keys(claims).length > 0 ? { claims } : {}),
  };
}

function ldapSettings(ctx: CommandContext, options: ProviderOptions, base: Partial<LdapSettings>): LdapSettings {
  const attributes: Record<string, string> = { ...(base.attributes ?? {}) };
  for (const entry of options.attribute ?? []) {
    const [field, attribute] = entry.split('=');
    if (!field || !attribute) ctx.usageError(`--attribute must be field=attribute, not "${entry}"`);
    attributes[field] = attribute;
  }
  const settings: Record<string, unknown> = {
    ...base,
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(options.startTls !== undefined ? { startTls: options.startTls } : {}),
    ...(options.caFile !== undefined ? { caCertificate: readFileSync(options.caFile, 'utf8') } : {}),
    ...(options.bindDn !== undefined ? { bindDn: options.bindDn } : {}),
    ...(options.userBase !== undefined ? { userBase: options.userBase } : {}),
    ...(options.userFilter !== undefined ? { userFilter: options.userFilter } : {}),
    ...(options.activeFilter !== undefined ? { activeFilter: options.activeFilter } : {}),
    ...(options.groupBase !== undefined ? { groupBase: options.groupBase } : {}),
    ...(options.groupFilter !== undefined ? { groupFilter: options.groupFilter } : {}),
    ...(options.groupNameAttribute !== undefined ? { groupNameAttribute: options.groupNameAttribute } : {}),
    ...(options.emailVerified !== undefined ? { emailVerified: options.emailVerified } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
  delete settings['bindPasswordSet'];
  return settings as unknown as LdapSettings;
}

const SAML_KEYS = ['metadataUrl', 'metadataFile', 'attribute', 'emailVerified', 'mfaContext', 'clockSkew'] as const;

function samlSettings(ctx: CommandContext, options: ProviderOptions, base: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, string | null> = { ...((base['attributes'] as Record<string, string | null> | undefined) ?? {}) };
  for (const entry of options.attribute ?? []) {
    const [field, attribute] = entry.split('=');
    if (!field || attribute === undefined) ctx.usageError(`--attribute must be field=attribute, not "${entry}"`);
    // username= : the assertion's NameID.
    attributes[field] = attribute === '' && field === 'username' ? null : attribute;
  }
  const kept = ['metadataUrl', 'metadataXml', 'emailVerified', 'mfaContexts', 'clockSkewSeconds'].filter((key) => base[key] !== undefined && base[key] !== null);
  const settings: Record<string, unknown> = Object.fromEntries(kept.map((key) => [key, base[key]]));
  if (options.metadataUrl !== undefined) Object.assign(settings, { metadataUrl: options.metadataUrl, metadataXml: null });
  if (options.metadataFile !== undefined) Object.assign(settings, { metadataXml: readFileSync(options.metadataFile === '-' ? 0 : options.metadataFile, 'utf8'), metadataUrl: null });
  return {
    ...settings,
    ...(options.emailVerified !== undefined ? { emailVerified: options.emailVerified } : {}),
    ...(options.mfaContext !== undefined ? { mfaContexts: options.mfaContext } : {}),
    ...(options.clockSkew !== undefined ? { clockSkewSeconds: options.clockSkew } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

async function providerBody(ctx: CommandContext, options: ProviderOptions & { type?: string }, current?: IdentityProviderView): Promise<Record<string, unknown>> {
  const ldapTouched = ['url', 'startTls', 'caFile', 'bindDn', 'bindPassword', 'userBase', 'userFilter', 'activeFilter', 'groupBase', 'groupFilter', 'groupNameAttribute', 'attribute', 'emailVerified', 'timeoutMs', 'poolSize']
    .some((key) => options[key as keyof ProviderOptions] !== undefined);
  const body: Record<string, unknown> = {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
    ...(options.jit !== undefined ? { jitProvisioning: options.jit } : {}),
    ...(options.sessionLifetime !== undefined ? { sessionLifetimeSeconds: options.sessionLifetime } : {}),
    ...(options.domain !== undefined ? { domains: options.domain } : {}),
    ...(options.map !== undefined ? { groupMappings: options.map.map((m) => mappingOf(m, !!options.instance)) } : {}),
  };
  if ((current?.type ?? options.type) === 'saml') {
    if (SAML_KEYS.some((key) => options[key] !== undefined) || !current) body['saml'] = samlSettings(ctx, options, (current?.saml as unknown as Record<string, unknown>) ?? {});
    return body;
  }
  if ((current?.type ?? options.type) === 'oidc') {
    const oidcTouched = ['issuer', 'clientId', 'clientSecret', 'scope', 'claim', 'mfaAmr'].some((key) => options[key as keyof ProviderOptions] !== undefined);
    if (oidcTouched || !current) {
      const oidc = oidcSettings(ctx, options, (current?.oidc as unknown as Record<string, unknown>) ?? {});
      if (options.clientSecret !== undefined) oidc['clientSecret'] = await ctx.secret(options.clientSecret);
      body['oidc'] = oidc;
    }
    return body;
  }
  if (ldapTouched || !current) {
    const ldap = ldapSettings(ctx, options, current?.ldap ?? {}) as unknown as Record<string, unknown>;
    if (options.bindPassword !== undefined) ldap['bindPassword'] = await ctx.secret(options.bindPassword);
    body['ldap'] = ldap;
  }
  return body;
}

function renderTest(result: ConnectionTestResult): string {
  const lines = result.steps.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(7)} ${s.detail}`);
  return `${lines.join('\n')}\n${result.ok ? 'The provider answered every step.' : `Failed at ${result.step}: ${result.detail}`}\n`;
}

export function registerIdentityProviders(program: Command, context: ContextFactory): void {
  const providers = program
    .command('identity-providers')
    .description("Sign-in through the company's identity provider (LDAP / Active Directory, OpenID Connect, SAML 2.0): a tenant's own (needs USER) or, with --instance, the instance's (TENANT)");

  withPaging(withScope(providers.command('list').description('Search identity providers'))).action(async (options: PageQuery & ScopeOptions, command: Command) => {
    const ctx = context(command);
    const page = await ctx.api<Page<IdentityProviderView>>('GET', basePath(ctx, options), { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, PROVIDER_COLUMNS, 'identity providers'));
  });

  withScope(providers.command('get').description('Show one identity provider (never its secret)').argument(...PROVIDER_ARG)).action(
    async (ref: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      const provider = await ctx.api<IdentityProviderView>('GET', await providerPath(ctx, options, ref));
      ctx.print(provider, () => renderRecord(provider));
    },
  );

  withProviderOptions(withScope(providers.command('create').description('Create an identity provider (type ldap, oidc or saml); you become its owner').option('--type <type>', 'ldap, oidc or saml', 'ldap'))).action(
    async (options: ProviderOptions & { type: string }, command: Command) => {
      const ctx = context(command);
      if (!options.name) ctx.usageError('--name is required');
      const body = { type: options.type, ...(await providerBody(ctx, options)) };
      const provider = await ctx.api<IdentityProviderView>('POST', basePath(ctx, options), { body });
      ctx.print(provider, () => renderRecord(provider));
    },
  );

  withProviderOptions(withScope(providers.command('update').description('Change an identity provider; LDAP settings not given are kept').argument(...PROVIDER_ARG))).action(
    async (ref: string, options: ProviderOptions, command: Command) => {
      const ctx = context(command);
      const path = await providerPath(ctx, options, ref);
      const current = await ctx.api<IdentityProviderView>('GET', path);
      const body = await providerBody(ctx, options, current);
      if (Object.keys(body).length === 0) ctx.usageError('nothing to change');
      const provider = await ctx.api<IdentityProviderView>('PATCH', path, { body });
      ctx.print(provider, () => renderRecord(provider));
    },
  );

  withScope(providers.command('delete').description('Delete an identity provider and its links').argument(...PROVIDER_ARG)).action(
    async (ref: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      const path = await providerPath(ctx, options, ref);
      await ctx.api('DELETE', path);
      ctx.print({ deleted: path.split('/').pop() }, () => `Deleted identity provider ${ref}.\n`);
    },
  );

  withScope(
    providers.command('test').description('Test the connection step by step (DNS, connect, TLS, bind, search; OIDC discovery, JWKS; SAML metadata, certificate); exits 1 on a failed step').argument(...PROVIDER_ARG)
      .option('--login <name>', 'also look this sign-in name and its groups up (no password)'),
  ).action(async (ref: string, options: ScopeOptions & { login?: string }, command: Command) => {
    const ctx = context(command);
    const result = await ctx.api<ConnectionTestResult>('POST', `${await providerPath(ctx, options, ref)}/test`, { body: options.login ? { login: options.login } : {} });
    ctx.print(result, () => renderTest(result));
    if (!result.ok) process.exitCode = 1;
  });

  withPaging(withScope(providers.command('links').description('The users linked to accounts of a provider').argument(...PROVIDER_ARG))).action(
    async (ref: string, options: PageQuery & ScopeOptions, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<IdentityLinkWithUser>>('GET', `${await providerPath(ctx, options, ref)}/links`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, LINK_COLUMNS, 'links'));
    },
  );

  withScope(
    providers.command('link').description("Link a user to their account at the provider (a credential for the user: you must hold all they hold)").argument(...PROVIDER_ARG)
      .argument('<user>', 'user id, username or email').argument('<login>', "the account's sign-in name at the provider"),
  ).action(async (ref: string, user: string, login: string, options: ScopeOptions, command: Command) => {
    const ctx = context(command);
    const path = await providerPath(ctx, options, ref);
    const body = { userId: await userId(ctx, user, options.instance ? undefined : ctx.tenantBase(options.tenant)), login };
    const link = await ctx.api<IdentityLinkWithUser>('POST', `${path}/links`, { body });
    ctx.print(link, () => renderRecord(link));
  });

  withScope(providers.command('unlink').description('Remove a user\'s link to the provider').argument(...PROVIDER_ARG).argument('<user>', 'user id, username or email')).action(
    async (ref: string, user: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      const path = await providerPath(ctx, options, ref);
      const id = await userId(ctx, user, options.instance ? undefined : ctx.tenantBase(options.tenant));
      await ctx.api('DELETE', `${path}/links/${id}`);
      ctx.print({ unlinked: id }, () => `Unlinked ${user} from ${ref}.\n`);
    },
  );

  withTenant(
    providers.command('auth-method').description("Show or set a user's authentication method (seed 003): password, or identity providers only")
      .argument('<user>', 'user id, username or email')
      .option('--password <true|false>', 'false: identity providers only (the password is removed); true: a password may be set again', booleanWord),
  ).action(async (user: string, options: { tenant?: string; password?: boolean }, command: Command) => {
    const ctx = context(command);
    const base = options.tenant !== undefined ? ctx.tenantBase(options.tenant) : '/api/v1';
    const path = `${base}/users/${await userId(ctx, user, options.tenant !== undefined ? base : undefined)}/authentication`;
    const view = options.password === undefined
      ? await ctx.api<UserAuthenticationView>('GET', path)
      : await ctx.api<UserAuthenticationView>('PUT', path, { body: { password: options.password } });
    ctx.print(view, () =>
      `password: ${view.password ? 'yes' : 'no'}\n${view.links.map((l) => `${l.providerName} (${l.providerType}): ${l.externalId}, linked by ${l.linkedBy}\n`).join('') || 'no identity provider accounts\n'}`,
    );
  });
}
