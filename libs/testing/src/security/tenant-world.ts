import { BindingView, GroupView, IntegrationWithSecret, RoleView } from '@gatehouse/contracts';
import { api, bearer, unique } from '../api';
import { bindRole, createGroup, createRole, rolesByName } from '../authorization-fixtures';
import { createTenant, createUser, TestUser } from '../fixtures';
import { createIntegration, SCIM_USER_SCHEMA, scimClient, scimUser } from '../scim-fixtures';

/** Everything one tenant holds for the isolation suites, and the markers that identify its data. */
export interface TenantWorld {
  tenant: string;
  /** Admin of the tenant (named at creation). */
  admin: TestUser;
  /** A plain user with a custom role (data permissions, some reads) bound here. */
  member: TestUser;
  /** The member's session (its sign-in), for the routes that name a user's session. */
  memberSessionId: string;
  serviceAccount: { id: string; name: string };
  /** An API token of the service account, which holds the Admin role here. */
  serviceAccountToken: string;
  serviceAccountTokenId: string;
  role: RoleView;
  adminRole: RoleView;
  group: GroupView;
  binding: BindingView;
  invitation: { id: string; email: string };
  /** A confidential OAuth client owned by the Admin, with its secret. */
  oauthClient: { id: string; clientId: string; name: string; clientSecret: string };
  /** A webhook subscription made by the Admin (disabled once it has a delivery), its secret and that delivery. */
  webhook: { id: string; url: string; signingSecret: string; deliveryId: string };
  /** A provisioning integration of the Admin, with its SCIM secret, and a user it provisioned (docs/scim.md). */
  integration: IntegrationWithSecret;
  scimUserId: string;
  /** An LDAP identity provider of the tenant, made by the Admin (its directory does not exist), with a secret (docs/federation.md). */
  identityProvider: { id: string; name: string; bindPassword: string };
  /** Ids, names and emails of the tenant's own objects (never expected in another tenant's answers). */
  markers: string[];
}

const expect201 = (response: { status: number; body: unknown }, what: string) => {
  if (response.status !== 201) throw new Error(`${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Record<string, unknown>;
};

/** A tenant with an Admin, a member, a service account with an API token, a custom role, a group, a binding and an invitation. */
export async function createTenantWorld(rootToken: string, label: string): Promise<TenantWorld> {
  const admin = await createUser(rootToken, { username: `${unique(`${label}-admin`)}@gatehouse.test` });
  const tenant = (await createTenant(rootToken, { id: unique(`sec${label}`).toLowerCase().slice(0, 40), adminUser: admin.username })).id;
  const member = await createUser(rootToken, { username: `${unique(`${label}-member`)}@gatehouse.test` });
  const roles = await rolesByName(admin.token, tenant);
  const role = await createRole(admin.token, tenant, {
    name: unique(`${label}-role`),
    description: unique(`${label}-role-description`),
    permissions: { FLOW: ['CREATE', 'READ', 'UPDATE', 'DELETE'], EXECUTION: ['READ'], GROUP: ['READ'], AUDITLOG: ['READ'], USER: ['READ'] },
  });
  const binding = await bindRole(admin.token, tenant, { roleId: role.id, subjectId: member.user.id });
  const base = `/api/v1/${tenant}`;
  // Its receiver does not exist: deliveries fail until the subscription is switched off below.
  const webhook = expect201(
    await api().post(`${base}/webhooks`).set(...bearer(admin.token)).send({ url: `https://hooks.${label}.example.invalid/${unique('in')}`, description: unique(`${label}-hook`) }),
    'creating a webhook',
  ) as { id: string; url: string; signingSecret: string };
  const sessions = await api().get('/api/v1/me/sessions').set(...bearer(member.token));
  const memberSessionId = (sessions.body?.results as Array<{ id: string; current: boolean }> | undefined)?.find((s) => s.current)?.id;
  if (!memberSessionId) throw new Error(`reading the member's session failed: ${sessions.status} ${JSON.stringify(sessions.body)}`);
  const serviceAccount = expect201(
    await api().post(`${base}/service-accounts`).set(...bearer(admin.token)).send({ name: unique(`${label}-sa`), description: unique(`${label}-sa-d`) }),
    'creating a service account',
  ) as { id: string; name: string };
  const created = expect201(
    await api().post(`${base}/service-accounts/${serviceAccount.id}/api-tokens`).set(...bearer(admin.token)).send({ name: unique(`${label}-token`) }),
    'creating a service account token',
  ) as { id: string; token: string; name: string };
  // Only a holder of TENANT may grant a role containing ROLE: the Super Admin makes the service account Admin.
  await bindRole(rootToken, tenant, { roleId: roles.Admin.id, subjectType: 'SERVICE_ACCOUNT', subjectId: serviceAccount.id });
  const group = await createGroup(admin.token, tenant, unique(`${label}-group`), [member.user.id]);
  expect201(
    await api().post(`${base}/groups/${group.id}/members`).set(...bearer(admin.token)).send({ memberType: 'SERVICE_ACCOUNT', memberId: serviceAccount.id }),
    'adding the service account to the group',
  );
  const email = `${unique(`${label}-invitee`)}@gatehouse.test`;
  const invitation = expect201(
    await api().post(`${base}/invitations`).set(...bearer(admin.token)).send({ email, roles: [{ roleId: role.id }], groupIds: [group.id] }),
    'creating an invitation',
  ) as { id: string };
  const oauthClient = expect201(
    await api().post(`${base}/oauth-clients`).set(...bearer(admin.token)).send({
      name: unique(`${label}-client`), type: 'confidential', redirectUris: [`https://${label}.example.com/callback`],
    }),
    'creating an OAuth client',
  ) as TenantWorld['oauthClient'];
  const deliveryId = await firstDelivery(admin.token, base, webhook.id);
  const disabled = await api().patch(`${base}/webhooks/${webhook.id}`).set(...bearer(admin.token)).send({ enabled: false });
  if (disabled.status !== 200) throw new Error(`disabling the webhook failed: ${disabled.status} ${JSON.stringify(disabled.body)}`);
  const integration = await createIntegration(admin.token, tenant, unique(`${label}-directory`));
  const scimUserName = `${unique(`${label}-scim`)}@gatehouse.test`;
  const provisioned = await scimClient(integration).post('/Users', scimUser(scimUserName));
  if (provisioned.status !== 201) throw new Error(`provisioning a SCIM user failed: ${provisioned.status} ${JSON.stringify(provisioned.body)}`);
  const bindPassword = unique(`${label}-bind-secret`);
  const identityProvider = expect201(
    await api().post(`${base}/identity-providers`).set(...bearer(admin.token)).send({
      type: 'ldap', name: unique(`${label}-idp`), ldap: { url: `ldaps://ldap.${label}.example.invalid`, userBase: 'dc=example,dc=com', bindDn: 'cn=reader', bindPassword },
    }),
    'creating an identity provider',
  ) as { id: string; name: string };
  return {
    tenant,
    admin,
    member,
    memberSessionId,
    serviceAccount,
    serviceAccountToken: created.token,
    serviceAccountTokenId: created.id,
    role,
    adminRole: roles.Admin,
    group,
    binding,
    invitation: { id: invitation.id, email },
    oauthClient,
    webhook: { ...webhook, deliveryId },
    integration,
    scimUserId: provisioned.body.id as string,
    identityProvider: { ...identityProvider, bindPassword },
    markers: [
      identityProvider.id, identityProvider.name, bindPassword,
      webhook.id, webhook.url, webhook.signingSecret, deliveryId,
      integration.id, integration.name, integration.secret, provisioned.body.id as string, scimUserName,
      oauthClient.id, oauthClient.clientId, oauthClient.name, oauthClient.clientSecret,
      role.id, role.name, role.description ?? '', group.id, group.name, binding.id, serviceAccount.id, serviceAccount.name,
      created.id, created.name, created.token, invitation.id, email, memberSessionId,
    ],
  };
}

/** The first delivery queued for a webhook (the world's own changes are audit events it takes). */
async function firstDelivery(token: string, base: string, webhookId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const log = await api().get(`${base}/webhooks/${webhookId}/deliveries`).query({ sort: 'sequence:asc' }).set(...bearer(token));
    const first = (log.body?.results as Array<{ id: string }> | undefined)?.[0];
    if (first) return first.id;
    if (Date.now() > deadline) throw new Error(`no delivery was queued for webhook ${webhookId}: ${log.status} ${JSON.stringify(log.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The object a path parameter names, from the segment before it (`/roles/{id}` → the world's role). */
export function pathValue(world: TenantWorld, path: string, param: string): string {
  if (param === 'tenant') return world.tenant;
  if (param === 'namespace') return 'company.team';
  const segments = path.split('/');
  const before = segments[segments.indexOf(`{${param}}`) - 1];
  switch (before) {
    case 'roles':
      return world.role.id;
    case 'groups':
      return world.group.id;
    case 'bindings':
      return world.binding.id;
    case 'invitations':
      return world.invitation.id;
    case 'service-accounts':
      return world.serviceAccount.id;
    case 'api-tokens':
      return world.serviceAccountTokenId;
    case 'oauth-clients':
      return world.oauthClient.id;
    case 'webhooks':
      return world.webhook.id;
    case 'deliveries':
      return world.webhook.deliveryId;
    case 'integrations':
      return world.integration.id;
    case 'identity-providers':
      return world.identityProvider.id;
    // A provider's link to a user (…/links/{userId}): the member.
    case 'links':
      return world.member.user.id;
    // SCIM resources (…/scim/v2/Users/{resourceId}): the world's provisioned user, its group, a resource type, a schema.
    case 'Users':
      return world.scimUserId;
    case 'Groups':
      return world.group.id;
    case 'ResourceTypes':
      return 'User';
    case 'Schemas':
      return SCIM_USER_SCHEMA;
    case 'sessions':
      return world.memberSessionId;
    // A person's own things (API tokens, sessions, factors) under a user of the tenant: the member.
    case 'users':
      return /\/users\/\{id\}\/(api-tokens|sessions|mfa|authentication)/.test(path) ? world.member.user.id : world.serviceAccount.id;
    // Subjects of a tenant: the service account (tenant-scoped; users are instance-wide).
    case 'members':
    case 'tenant-access':
      return world.serviceAccount.id;
    default:
      return 'any/thing';
  }
}

/** The concrete path of an OpenAPI template, each parameter taken from `worldFor(param)`. */
export function fillPath(template: string, params: string[], worldFor: (param: string) => TenantWorld, tenant?: string): string {
  let path = template;
  for (const param of params) {
    const value = param === 'tenant' && tenant ? tenant : pathValue(worldFor(param), template, param);
    path = path.replace(`{${param}}`, param === 'path' ? value : encodeURIComponent(value));
  }
  return path;
}
