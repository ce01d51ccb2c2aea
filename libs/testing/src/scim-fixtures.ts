import type { IntegrationWithSecret } from '@gatehouse/contracts';
import { api, bearer, unique } from './api';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIM_PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** A provisioning integration with its secret, created through the gateway by a tenant admin. */
export async function createIntegration(adminToken: string, tenant: string, name = unique('directory')): Promise<IntegrationWithSecret> {
  const response = await api().post(`/api/v1/${tenant}/integrations`).set(...bearer(adminToken)).send({ name });
  if (response.status !== 201) throw new Error(`creating integration ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as IntegrationWithSecret;
}

/** A SCIM client of one integration: paths are relative to its base (`/Users`, `/Groups/{id}`), bodies sent as application/scim+json. */
export function scimClient(integration: Pick<IntegrationWithSecret, 'scimPath' | 'secret'>, secret = integration.secret) {
  const url = (path: string) => `${integration.scimPath}${path}`;
  const auth = (req: ReturnType<ReturnType<typeof api>['get']>) => req.set(...bearer(secret)).set('accept', 'application/scim+json');
  const send = (req: ReturnType<ReturnType<typeof api>['get']>, body: unknown) =>
    auth(req).set('content-type', 'application/scim+json').send(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    get: (path: string, query: Record<string, string | number> = {}) => auth(api().get(url(path)).query(query)),
    post: (path: string, body: unknown) => send(api().post(url(path)), body),
    put: (path: string, body: unknown) => send(api().put(url(path)), body),
    patch: (path: string, body: unknown) => send(api().patch(url(path)), body),
    del: (path: string) => auth(api().delete(url(path))),
  };
}

export type ScimClient = ReturnType<typeof scimClient>;

/** A PatchOp body. */
export const patchOp = (...operations: Array<Record<string, unknown>>) => ({ schemas: [SCIM_PATCH_SCHEMA], Operations: operations });

/** A minimal User resource for userName (an email address, so it is also the account's). */
export const scimUser = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [SCIM_USER_SCHEMA], userName, ...extra });
