import { Action, Permission, RpcDefinition } from '@gatehouse/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface PermissionRequirement {
  permission: Permission;
  /** Defaults from the method: GET=READ, POST=CREATE, PUT/PATCH=UPDATE, DELETE=DELETE. */
  action?: Action;
  /** Path parameter holding the namespace the request touches. */
  namespaceParam?: string;
}

/**
 * One entry of the gateway's route table. A path with a `:tenant` segment is tenant-scoped (the
 * segment `default` addresses the default tenant); any other path is instance-level.
 */
export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  summary: string;
  /** `public`: no credentials needed; `authenticated`: any signed-in subject; else the permission checked. */
  access: 'public' | 'authenticated' | PermissionRequirement;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  target: RpcDefinition<any, any>;
  /** Status of a successful answer; 204 is used whenever the service returns nothing. */
  status?: number;
}

export const DEFAULT_ACTIONS: Record<HttpMethod, Action> = {
  GET: 'READ',
  POST: 'CREATE',
  PUT: 'UPDATE',
  PATCH: 'UPDATE',
  DELETE: 'DELETE',
};
