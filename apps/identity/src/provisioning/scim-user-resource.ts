import { isStorableText } from '@gatehouse/contracts';
import { etagOf, scimError, ScimPatchTargets, SCIM_SCHEMAS } from '@gatehouse/scim';
import { isEmail } from 'class-validator';

const EXT = SCIM_SCHEMAS.enterpriseUser;

/** A user as a SCIM client wrote it (POST, PUT, or a PATCH applied to the current resource). */
export interface ScimUserInput {
  userName: string;
  externalId: string | null;
  active: boolean;
  /** The address identity keeps (users.email): the primary email, else the first, else userName when it is one. */
  email: string;
  givenName: string | null;
  familyName: string | null;
  /** Every other attribute, as stored (canonical names): name's other parts, emails, phoneNumbers, the extension, ... */
  stored: Record<string, unknown>;
  /** Write-only (RFC 7643 §4.1.1): set as the account's password (Okta's "sync password"), never returned. */
  password?: string;
}

const SIMPLE_STRINGS = ['displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'] as const;
const NAME_PARTS = ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'] as const;
const MULTI = {
  emails: ['value', 'type', 'primary', 'display'],
  phoneNumbers: ['value', 'type', 'primary', 'display'],
  addresses: ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary'],
  ims: ['value', 'type', 'primary', 'display'],
  photos: ['value', 'type', 'primary', 'display'],
  entitlements: ['value', 'type', 'primary', 'display'],
  roles: ['value', 'type', 'primary', 'display'],
  x509Certificates: ['value', 'type', 'primary', 'display'],
} as const;
const ENTERPRISE = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;

/** What a User's PATCH paths may name (read-only ones too: a client may send them back; they are ignored). */
export const USER_PATCH_TARGETS: ScimPatchTargets = {
  core: {
    urn: SCIM_SCHEMAS.user,
    attributes: ['userName', 'externalId', 'active', 'name', 'password', 'groups', ...SIMPLE_STRINGS, ...Object.keys(MULTI)],
  },
  extensions: { [EXT]: [...ENTERPRISE, 'manager'] },
};
/** Read-only or server-set attributes a client may send back (a PUT of what it read): ignored (RFC 7643 §2.2 mutability). */
const IGNORED = new Set(['id', 'meta', 'groups', 'schemas']);
const MAX_TEXT = 1000;
const MAX_VALUES = 20;

/** A resource's `schemas`, whatever the case of its name. */
export function schemasOf(source: Record<string, unknown>): unknown {
  return source[Object.keys(source).find((k) => k.toLowerCase() === 'schemas') ?? 'schemas'];
}

/** The canonical spelling of an attribute name (names are case-insensitive, RFC 7643 §2.1). */
function canonical(key: string, names: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower);
}

const invalid = (detail: string) => scimError(400, 'invalidValue', detail);

function text(value: unknown, field: string, max = MAX_TEXT): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length > max || !isStorableText(value)) throw invalid(`${field} must be at most ${max} storable characters`);
  return value;
}

/** Entra ID sends booleans as "True"/"False" strings in some PATCH operations. */
function boolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalid(`${field} must be a boolean`);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function subObject(value: unknown, field: string, names: readonly string[], booleans: readonly string[] = []): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object(value, field))) {
    const name = canonical(key, names);
    if (!name) throw scimError(400, 'invalidPath', `${field}.${key} is not an attribute of ${field}`);
    if (item === null || item === undefined) continue;
    result[name] = booleans.includes(name) ? boolean(item, `${field}.${name}`) : text(item, `${field}.${name}`);
  }
  return result;
}

function multiValued(value: unknown, field: keyof typeof MULTI): Array<Record<string, unknown>> | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw invalid(`${field} must be an array`);
  if (value.length > MAX_VALUES) throw invalid(`${field} takes at most ${MAX_VALUES} values`);
  const elements = value.map((element, i) => subObject(element, `${field}[${i}]`, MULTI[field], ['primary']));
  if (elements.filter((e) => e['primary'] === true).length > 1) throw invalid(`${field}: at most one value may be primary`);
  if (field === 'emails') {
    elements.forEach((e, i) => {
      if (typeof e['value'] !== 'string' || !isEmail(e['value']) || e['value'].length > 254) throw invalid(`emails[${i}].value must be an email address`);
    });
  }
  return elements;
}

/**
 * Reads a User resource as SCIM writes it (RFC 7643 §4.1 and §4.3's enterprise extension): names are
 * case-insensitive, read-only attributes are ignored, anything else unknown is refused (400). A
 * password is write-only: it becomes the account's, and is never stored here or returned.
 */
export function readScimUser(body: unknown): ScimUserInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw scimError(400, 'invalidSyntax', 'A User must be a JSON object');
  const source = body as Record<string, unknown>;
  const schemas = schemasOf(source);
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_SCHEMAS.user)) throw invalid(`schemas must contain "${SCIM_SCHEMAS.user}"`);
  const known = ['userName', 'externalId', 'active', 'name', 'password', ...Object.keys(MULTI), ...SIMPLE_STRINGS, EXT];
  const stored: Record<string, unknown> = {};
  let userName: string | null = null;
  let externalId: string | null = null;
  let active = true;
  let name: Record<string, unknown> = {};
  let password: string | undefined;
  for (const [key, value] of Object.entries(source)) {
    if (IGNORED.has(key) || IGNORED.has(key.toLowerCase())) continue;
    const attribute = canonical(key, known);
    if (!attribute) throw scimError(400, 'invalidPath', `${key} is not an attribute of a User`);
    if (value === null || value === undefined) continue;
    switch (attribute) {
      case 'userName': userName = text(value, 'userName', 254); break;
      case 'externalId': externalId = text(value, 'externalId', 500); break;
      case 'active': active = boolean(value, 'active'); break;
      case 'password': password = text(value, 'password', 1024) ?? undefined; break;
      case 'name': name = subObject(value, 'name', NAME_PARTS); break;
      case 'emails': case 'phoneNumbers': case 'addresses': case 'ims': case 'photos': case 'entitlements': case 'roles': case 'x509Certificates': {
        const values = multiValued(value, attribute);
        if (values?.length === 0) break;
        if (values) stored[attribute] = values;
        break;
      }
      case EXT: {
        const extension: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(object(value, EXT))) {
          if (v === null || v === undefined) continue;
          if (k.toLowerCase() === 'manager') {
            const manager = subObject(v, `${EXT}:manager`, ['value', 'displayName', '$ref']);
            if (Object.keys(manager).length > 0) extension['manager'] = manager;
            continue;
          }
          const attr = canonical(k, ENTERPRISE);
          if (!attr) throw scimError(400, 'invalidPath', `${k} is not an attribute of the enterprise User extension`);
          extension[attr] = text(v, `${EXT}:${attr}`);
        }
        if (Object.keys(extension).length > 0) stored[EXT] = extension;
        break;
      }
      default: stored[attribute] = text(value, attribute);
    }
  }
  if (!userName || userName.trim().length === 0) throw invalid('userName is required');
  if (/[\s:]/.test(userName)) throw invalid('userName must not contain spaces or colons');
  const otherName = Object.fromEntries(Object.entries(name).filter(([k]) => k !== 'givenName' && k !== 'familyName'));
  if (Object.keys(otherName).length > 0) stored['name'] = otherName;
  const emails = (stored['emails'] as Array<Record<string, unknown>> | undefined) ?? [];
  const email = (emails.find((e) => e['primary'] === true) ?? emails.find((e) => e['type'] === 'work') ?? emails[0])?.['value'] as string | undefined;
  const address = email ?? (isEmail(userName) ? userName : undefined);
  if (!address) throw invalid('emails: an email address is required when userName is not one');
  return {
    userName, externalId, active, email: address,
    givenName: (name['givenName'] as string | undefined) ?? null,
    familyName: (name['familyName'] as string | undefined) ?? null,
    stored,
    ...(password !== undefined ? { password } : {}),
  };
}

/** The columns of a provisioned user the resource is rendered from. */
export interface ScimUserRow {
  id: string;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  status: string;
  external_id: string | null;
  active: boolean;
  resource: Record<string, unknown>;
  created_at: Date;
  last_modified: Date;
  version: string;
}

/** The User resource (RFC 7643 §4.1): identity's columns win over the stored attributes they mirror. */
export function renderScimUser(row: ScimUserRow, location: string, groups: Array<{ id: string; displayName: string }>, groupLocation: (id: string) => string): Record<string, unknown> {
  const stored = row.resource ?? {};
  const name = { ...((stored['name'] as Record<string, unknown>) ?? {}), ...(row.first_name ? { givenName: row.first_name } : {}), ...(row.last_name ? { familyName: row.last_name } : {}) };
  const emails = Array.isArray(stored['emails']) && (stored['emails'] as unknown[]).length > 0 ? stored['emails'] : row.email ? [{ value: row.email, primary: true }] : undefined;
  const extension = stored[EXT];
  const { name: _name, emails: _emails, [EXT]: _extension, ...rest } = stored;
  return {
    schemas: extension ? [SCIM_SCHEMAS.user, EXT] : [SCIM_SCHEMAS.user],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    userName: row.username,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...rest,
    active: row.active && row.status === 'ACTIVE',
    ...(emails ? { emails } : {}),
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: groupLocation(g.id), type: 'direct' })),
    ...(extension ? { [EXT]: extension } : {}),
    meta: {
      resourceType: 'User',
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.last_modified).toISOString(),
      location,
      version: etagOf(row.version),
    },
  };
}
