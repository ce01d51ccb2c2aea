import { InvalidScimPatch, ScimPatchOperation, scimPatch, ScimResource } from 'scim-patch';
import { scimError, ScimType } from './scim-error';
import { parseScimFilter } from './scim-filter';
import { SCIM_MAX_PATCH_OPERATIONS, SCIM_SCHEMAS } from './scim-protocol';

const OPS = new Set(['add', 'remove', 'replace']);

/** The attributes a resource type's PATCH paths may name: its core schema's, and each extension's by URN. */
export interface ScimPatchTargets {
  core: { urn: string; attributes: readonly string[] };
  extensions?: Record<string, readonly string[]>;
}

/** RFC 7644 §3.5.2's PATH: [URN ":"] attribute, an optional value filter in brackets, an optional ".subAttribute". */
const PATH = /^(?:(urn:[A-Za-z0-9.:_-]+):)?([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/;

/** A path names an attribute of the resource (case-insensitive) and, when it has one, a value filter that parses. */
function assertPath(path: string, targets: ScimPatchTargets, where: string): void {
  const match = PATH.exec(path);
  if (!match) throw scimError(400, 'invalidPath', `${where}: "${path}" is not an attribute path`);
  const [, urn, attribute, filter, sub] = match;
  const extension = urn ? Object.entries(targets.extensions ?? {}).find(([u]) => u.toLowerCase() === urn.toLowerCase()) : undefined;
  if (urn && !extension && urn.toLowerCase() !== targets.core.urn.toLowerCase()) {
    // The extension itself as an attribute of the resource (its whole object): `urn:...:enterprise:2.0:User`.
    const whole = Object.keys(targets.extensions ?? {}).find((u) => u.toLowerCase() === `${urn}:${attribute}`.toLowerCase());
    if (whole && !filter && !sub) return;
    throw scimError(400, 'invalidPath', `${where}: "${urn}" is not a schema of this resource`);
  }
  const names = extension ? extension[1] : targets.core.attributes;
  if (!names.some((n) => n.toLowerCase() === attribute.toLowerCase())) {
    throw scimError(400, 'invalidPath', `${where}: "${attribute}" is not an attribute of this resource`);
  }
  if (filter !== undefined) {
    try {
      parseScimFilter(filter);
    } catch (error) {
      throw scimError(400, 'invalidPath', `${where}: the value filter of "${path}" does not parse (${error instanceof Error ? error.message : String(error)})`);
    }
  }
}

/**
 * The operations of a PATCH body (RFC 7644 §3.5.2), checked before anything is applied: the PatchOp
 * schema, 1..SCIM_MAX_PATCH_OPERATIONS operations, each `add`, `remove` or `replace` (any case: Entra ID
 * sends "Replace"), a path when there is one that names an attribute of the resource (with a value filter
 * that parses), a path for every remove.
 */
export function patchOperations(body: unknown, targets: ScimPatchTargets): ScimPatchOperation[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw scimError(400, 'invalidSyntax', 'A PATCH body must be a PatchOp object');
  const { schemas, Operations: operations, ...rest } = body as Record<string, unknown>;
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_SCHEMAS.patchOp)) {
    throw scimError(400, 'invalidSyntax', `schemas must contain "${SCIM_SCHEMAS.patchOp}"`);
  }
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw scimError(400, 'invalidSyntax', `Unknown member of a PatchOp: ${unknown.join(', ')}`);
  if (!Array.isArray(operations) || operations.length === 0) throw scimError(400, 'invalidSyntax', 'Operations must be a non-empty array');
  if (operations.length > SCIM_MAX_PATCH_OPERATIONS) throw scimError(400, 'tooMany', `At most ${SCIM_MAX_PATCH_OPERATIONS} operations per PATCH`);
  return operations.flatMap((operation, i) => {
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) throw scimError(400, 'invalidSyntax', `Operations[${i}] must be an object`);
    const { op, path, value, ...extra } = operation as Record<string, unknown>;
    if (Object.keys(extra).length > 0) throw scimError(400, 'invalidSyntax', `Operations[${i}]: unknown member ${Object.keys(extra).join(', ')}`);
    if (typeof op !== 'string' || !OPS.has(op.toLowerCase())) throw scimError(400, 'invalidSyntax', `Operations[${i}].op must be add, remove or replace`);
    if (path !== undefined && (typeof path !== 'string' || path.length === 0 || path.length > 1000)) {
      throw scimError(400, 'invalidPath', `Operations[${i}].path must be a non-empty attribute path`);
    }
    if (typeof path === 'string') assertPath(path, targets, `Operations[${i}].path`);
    const name = op.toLowerCase() as 'add' | 'remove' | 'replace';
    if (name === 'remove' && path === undefined) throw scimError(400, 'noTarget', `Operations[${i}]: remove needs a path`);
    // Entra ID removes members as {"op":"Remove","path":"members","value":[{"value":"<id>"}]}: the values named by their value.
    if (name === 'remove' && Array.isArray(value) && typeof path === 'string' && !path.includes('[')) {
      return value.map((element, j) => {
        const named = typeof element === 'object' && element !== null ? (element as Record<string, unknown>)['value'] : undefined;
        if (typeof named !== 'string') throw scimError(400, 'invalidValue', `Operations[${i}].value[${j}] must name a value to remove`);
        return { op: 'remove', path: `${path}[value eq ${JSON.stringify(named)}]` } as ScimPatchOperation;
      });
    }
    if (name !== 'remove' && value === undefined) throw scimError(400, 'invalidValue', `Operations[${i}]: ${name} needs a value`);
    if (name !== 'remove' && path === undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw scimError(400, 'invalidValue', `Operations[${i}]: without a path, the value must be an object of attributes`);
    }
    return [{ op: name, ...(path !== undefined ? { path: path as string } : {}), ...(value !== undefined ? { value } : {}) } as ScimPatchOperation];
  });
}

/**
 * Applies the operations to a copy of the resource with scim-patch (paths, value filters such as
 * `members[value eq "..."]` or `emails[type eq "work"].value`); its refusals become SCIM 400s. The caller
 * then validates the result as it would a PUT body.
 */
export function applyPatch<T extends object>(resource: T, operations: ScimPatchOperation[]): T {
  try {
    return scimPatch(resource as unknown as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as T;
  } catch (error) {
    if (error instanceof InvalidScimPatch || (error instanceof Error && 'scimCode' in error)) {
      // The operations' shape was checked before: what scim-patch refuses is a path (or a filter in it) it cannot follow.
      const scimType: ScimType = (error as { scimCode?: string }).scimCode === 'noTarget' ? 'noTarget' : 'invalidPath';
      throw scimError(400, scimType, error.message);
    }
    // Anything else scim-patch or its filter parser threw is still a refusal of the client's path or value.
    throw scimError(400, 'invalidPath', `The operation could not be applied: ${error instanceof Error ? error.message : String(error)}`);
  }
}
