import { ScimGroupRecord, ScimGroupsRpc, ScimResponse } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import {
  applyPatch, attributeParameters, etagOf, ifMatchAdmits, listResponse, parseListQuery, patchOperations, projectAttributes, ScimListQuery,
  scimError, ScimPatchTargets, SCIM_SCHEMAS,
} from '@gatehouse/scim';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { tenantIdOf } from '../common/tenant-key';
import { schemasOf } from './scim-user-resource';
import { ScimContext, ScimUsersService } from './scim-users.service';

interface ScimGroupInput {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

/** What a Group's PATCH paths may name. */
const GROUP_PATCH_TARGETS: ScimPatchTargets = { core: { urn: SCIM_SCHEMAS.group, attributes: ['displayName', 'externalId', 'members'] } };

/** Ignored when a client sends them back (read-only, or set by the server). */
const IGNORED = new Set(['id', 'meta', 'schemas']);
/** How often a PATCH without If-Match re-reads a group that changed under it before giving up. */
const PATCH_ATTEMPTS = 3;

/** Reads a Group resource (RFC 7643 §4.2) as SCIM writes it; members are user ids. */
export function readScimGroup(body: unknown): ScimGroupInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw scimError(400, 'invalidSyntax', 'A Group must be a JSON object');
  const source = body as Record<string, unknown>;
  const schemas = schemasOf(source);
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_SCHEMAS.group)) throw scimError(400, 'invalidValue', `schemas must contain "${SCIM_SCHEMAS.group}"`);
  let displayName: unknown;
  let externalId: unknown = null;
  let members: unknown = [];
  for (const [key, value] of Object.entries(source)) {
    const lower = key.toLowerCase();
    if (IGNORED.has(lower)) continue;
    if (lower === 'displayname') displayName = value;
    else if (lower === 'externalid') externalId = value;
    else if (lower === 'members') members = value ?? [];
    else throw scimError(400, 'invalidPath', `${key} is not an attribute of a Group`);
  }
  if (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 100) {
    throw scimError(400, 'invalidValue', 'displayName is required: a name of at most 100 characters');
  }
  if (externalId !== null && (typeof externalId !== 'string' || externalId.length > 500)) throw scimError(400, 'invalidValue', 'externalId must be a string of at most 500 characters');
  if (!Array.isArray(members)) throw scimError(400, 'invalidValue', 'members must be an array');
  const memberIds = members.map((member, i) => {
    const value = typeof member === 'object' && member !== null ? (member as Record<string, unknown>)['value'] : undefined;
    const type = typeof member === 'object' && member !== null ? (member as Record<string, unknown>)['type'] : undefined;
    if (type !== undefined && type !== 'User') throw scimError(400, 'invalidValue', `members[${i}].type: only User members are provisioned`);
    if (typeof value !== 'string' || !isUUID(value)) throw scimError(400, 'invalidValue', `members[${i}].value must be a user's id`);
    return value.toLowerCase();
  });
  return { displayName, externalId: externalId as string | null, memberIds };
}

/**
 * SCIM Groups (RFC 7644 §3) of one tenant: that tenant's groups, which authorization owns. Reads and
 * filters are authorization's (SQL there); a write sends the group's whole state, and authorization judges
 * every member it adds with the grant guard as the integration's owner. New members must be users the
 * tenant's directory provisioned.
 */
@Injectable()
export class ScimGroupsEndpoint {
  constructor(private readonly rpc: RpcClient, private readonly users: ScimUsersService) {}

  async list(context: ScimContext, query: Record<string, unknown>): Promise<ScimResponse> {
    const list = parseListQuery(query);
    const page = await this.call(context, ScimGroupsRpc.list, {
      ...(list.filter !== undefined ? { filter: list.filter } : {}),
      startIndex: list.startIndex, count: list.count, ...(list.sortBy ? { sortBy: list.sortBy } : {}), sortOrder: list.sortOrder,
      withMembers: wantsMembers(list),
    });
    return { status: 200, body: listResponse(page.results.map((g) => this.render(context, g, list)), page.total, list.startIndex) };
  }

  async get(context: ScimContext, id: string, query: Record<string, unknown>): Promise<ScimResponse> {
    const attributes = attributeParameters(query);
    const group = await this.find(context, id, wantsMembers(attributes));
    return { status: 200, body: this.render(context, group, attributes), etag: etagOf(group.version) };
  }

  async create(context: ScimContext, body: unknown): Promise<ScimResponse> {
    const input = readScimGroup(body);
    await this.assertProvisioned(context, input.memberIds);
    const group = await this.call(context, ScimGroupsRpc.create, input);
    return { status: 201, body: this.render(context, group, {}), etag: etagOf(group.version), location: `${context.baseUrl}/Groups/${group.id}` };
  }

  async replace(context: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimResponse> {
    const input = readScimGroup(body);
    const current = await this.find(context, id, true);
    if (!ifMatchAdmits(ifMatch, current.version)) throw scimError(412, undefined, `Group ${id} has changed; read it again`);
    return this.save(context, id, current, input);
  }

  /** Applies the operations to the group as read, then saves it at that version; a concurrent change re-reads it. */
  async patch(context: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimResponse> {
    const operations = patchOperations(body, GROUP_PATCH_TARGETS);
    for (let attempt = 1; ; attempt++) {
      const current = await this.find(context, id, true);
      if (!ifMatchAdmits(ifMatch, current.version)) throw scimError(412, undefined, `Group ${id} has changed; read it again`);
      const input = readScimGroup(applyPatch(this.render(context, current, {}), operations));
      try {
        return await this.save(context, id, current, input);
      } catch (error) {
        const moved = error instanceof ProblemException && error.problem.status === 412;
        if (!moved || ifMatch !== undefined || attempt >= PATCH_ATTEMPTS) throw error;
      }
    }
  }

  async delete(context: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const current = await this.find(context, id, false);
    if (!ifMatchAdmits(ifMatch, current.version)) throw scimError(412, undefined, `Group ${id} has changed; read it again`);
    await this.call(context, ScimGroupsRpc.delete, { id, ifVersion: current.version });
    return { status: 204 };
  }

  private async save(context: ScimContext, id: string, current: ScimGroupRecord, input: ScimGroupInput): Promise<ScimResponse> {
    const had = new Set(current.memberIds ?? []);
    await this.assertProvisioned(context, input.memberIds.filter((m) => !had.has(m)));
    const group = await this.call(context, ScimGroupsRpc.replace, { id, ...input, ifVersion: current.version });
    return { status: 200, body: this.render(context, group, {}), etag: etagOf(group.version) };
  }

  private async assertProvisioned(context: ScimContext, memberIds: string[]): Promise<void> {
    const known = await this.users.provisioned(context.tenantKey, memberIds);
    const unknown = memberIds.find((m) => !known.has(m));
    if (unknown) throw scimError(400, 'invalidValue', `members: ${unknown} is not a user provisioned in this tenant`);
  }

  private find(context: ScimContext, id: string, withMembers: boolean): Promise<ScimGroupRecord> {
    if (!isUUID(id)) throw scimError(404, undefined, `Group ${id} does not exist in this tenant`);
    return this.call(context, ScimGroupsRpc.get, { id, withMembers });
  }

  private call<Req, Res>(context: ScimContext, definition: { subject: string; __req?: Req; __res?: Res }, data: Req): Promise<Res> {
    // Within the gateway's SCIM_TIMEOUT_MS: a group's whole membership is judged in one call.
    return this.rpc.request(definition, { caller: context.caller, tenantId: tenantIdOf(context.tenantKey), data }, { timeoutMs: 25_000 });
  }

  private render(context: ScimContext, group: ScimGroupRecord, query: Pick<ScimListQuery, 'attributes' | 'excludedAttributes'>): Record<string, unknown> {
    const location = `${context.baseUrl}/Groups/${group.id}`;
    return projectAttributes(
      {
        schemas: [SCIM_SCHEMAS.group],
        id: group.id,
        ...(group.externalId !== null ? { externalId: group.externalId } : {}),
        displayName: group.displayName,
        ...(group.memberIds ? { members: group.memberIds.map((m) => ({ value: m, $ref: `${context.baseUrl}/Users/${m}`, type: 'User' })) } : {}),
        meta: { resourceType: 'Group', created: group.created, lastModified: group.lastModified, location, version: etagOf(group.version) },
      },
      query,
    );
  }
}

/** Members are read only when the answer shows them (Entra ID asks with excludedAttributes=members). */
function wantsMembers(query: Pick<ScimListQuery, 'attributes' | 'excludedAttributes'>): boolean {
  if (query.excludedAttributes?.some((a) => a.toLowerCase() === 'members')) return false;
  return !query.attributes?.length || query.attributes.some((a) => a.toLowerCase().startsWith('members'));
}
