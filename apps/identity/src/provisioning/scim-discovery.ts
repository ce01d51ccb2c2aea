import { ScimResponse } from '@gatehouse/contracts';
import { listResponse, scimError, SCIM_MAX_PATCH_OPERATIONS, SCIM_MAX_RESULTS, SCIM_SCHEMAS } from '@gatehouse/scim';

/** One attribute definition of a schema (RFC 7643 §7). */
interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'dateTime' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
  referenceTypes?: string[];
}

function attribute(name: string, description: string, options: Partial<Attribute> = {}): Attribute {
  return {
    name, type: 'string', multiValued: false, description, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none',
    ...options,
  };
}

const multiValuedOf = (name: string, description: string, valueDescription: string) =>
  attribute(name, description, {
    type: 'complex', multiValued: true,
    subAttributes: [
      attribute('value', valueDescription), attribute('display', 'A human-readable name'), attribute('type', 'A label: work, home, other'),
      attribute('primary', 'The preferred value', { type: 'boolean' }),
    ],
  });

const USER_ATTRIBUTES: Attribute[] = [
  attribute('userName', 'Unique identifier of the user, as the directory knows them (no spaces or colons)', { required: true, uniqueness: 'server' }),
  attribute('name', "The user's name", {
    type: 'complex',
    subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => attribute(n, `The ${n} part of the name`)),
  }),
  ...['displayName', 'nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'].map((n) => attribute(n, `The user's ${n}`)),
  attribute('profileUrl', "The user's profile page", { type: 'reference', referenceTypes: ['external'] }),
  attribute('active', 'false disables the account: its sessions and tokens end at once', { type: 'boolean' }),
  multiValuedOf('emails', 'Email addresses; the primary one (else the first) is the account\'s', 'An email address'),
  multiValuedOf('phoneNumbers', 'Phone numbers', 'A phone number'),
  attribute('addresses', 'Physical addresses', {
    type: 'complex', multiValued: true,
    subAttributes: [...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((n) => attribute(n, `The ${n}`)), attribute('primary', 'The preferred address', { type: 'boolean' })],
  }),
  attribute('groups', 'The groups of this tenant the user is in (change them through Groups)', {
    type: 'complex', multiValued: true, mutability: 'readOnly',
    subAttributes: [attribute('value', "The group's id", { mutability: 'readOnly' }), attribute('$ref', "The group's URI", { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }), attribute('display', "The group's name", { mutability: 'readOnly' }), attribute('type', 'direct', { mutability: 'readOnly' })],
  }),
];

const GROUP_ATTRIBUTES: Attribute[] = [
  attribute('displayName', "The group's name, unique in the tenant", { required: true, uniqueness: 'server' }),
  attribute('members', 'The users in the group (only users provisioned in this tenant can be added)', {
    type: 'complex', multiValued: true,
    subAttributes: [
      attribute('value', "The user's id", { mutability: 'immutable', caseExact: true }),
      attribute('$ref', "The user's URI", { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
      attribute('type', 'User', { mutability: 'immutable' }),
    ],
  }),
];

const ENTERPRISE_ATTRIBUTES: Attribute[] = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((n) => attribute(n, `The user's ${n}`)),
  attribute('manager', "The user's manager", {
    type: 'complex',
    subAttributes: [attribute('value', "The manager's id"), attribute('$ref', "The manager's URI", { type: 'reference', referenceTypes: ['User'] }), attribute('displayName', "The manager's name", { mutability: 'readOnly' })],
  }),
];

const SCHEMAS = [
  { id: SCIM_SCHEMAS.user, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  { id: SCIM_SCHEMAS.group, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
  { id: SCIM_SCHEMAS.enterpriseUser, name: 'EnterpriseUser', description: 'Enterprise User', attributes: ENTERPRISE_ATTRIBUTES },
];

const RESOURCE_TYPES = [
  { id: 'User', name: 'User', endpoint: '/Users', description: 'User Account', schema: SCIM_SCHEMAS.user, schemaExtensions: [{ schema: SCIM_SCHEMAS.enterpriseUser, required: false }] },
  { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: SCIM_SCHEMAS.group, schemaExtensions: [] },
];

/**
 * RFC 7644 §4's discovery endpoints: what this service provider supports (PATCH, filters, sorting, ETags;
 * no bulk, no password changes), its resource types, and the schemas of their attributes.
 */
export function scimDiscovery(endpoint: 'ServiceProviderConfig' | 'ResourceTypes' | 'Schemas', id: string | undefined, baseUrl: string): ScimResponse {
  if (endpoint === 'ServiceProviderConfig') {
    if (id !== undefined) throw scimError(404, undefined, 'ServiceProviderConfig has no sub-resources');
    return {
      status: 200,
      body: {
        schemas: [SCIM_SCHEMAS.serviceProviderConfig],
        documentationUri: 'https://gatehouse.dev/docs/scim',
        patch: { supported: true },
        bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
        filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
        changePassword: { supported: false },
        sort: { supported: true },
        etag: { supported: true },
        authenticationSchemes: [
          { type: 'oauthbearertoken', name: 'Integration secret', description: "The integration's secret as a bearer token (Authorization: Bearer ghscim_...)", primary: true },
        ],
        'urn:gatehouse:params:scim:patch': { maxOperations: SCIM_MAX_PATCH_OPERATIONS },
        meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
      },
    };
  }
  if (endpoint === 'ResourceTypes') {
    const render = (t: (typeof RESOURCE_TYPES)[number]) => ({
      schemas: [SCIM_SCHEMAS.resourceType], ...t, meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${t.id}` },
    });
    if (id === undefined) return { status: 200, body: listResponse(RESOURCE_TYPES.map(render), RESOURCE_TYPES.length, 1) };
    const type = RESOURCE_TYPES.find((t) => t.id === id);
    if (!type) throw scimError(404, undefined, `No resource type ${id}`);
    return { status: 200, body: render(type) };
  }
  const render = (s: (typeof SCHEMAS)[number]) => ({ schemas: [SCIM_SCHEMAS.schema], ...s, meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` } });
  if (id === undefined) return { status: 200, body: listResponse(SCHEMAS.map(render), SCHEMAS.length, 1) };
  const schema = SCHEMAS.find((s) => s.id === id);
  if (!schema) throw scimError(404, undefined, `No schema ${id}`);
  return { status: 200, body: render(schema) };
}
