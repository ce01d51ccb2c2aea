/** URNs of RFC 7643/7644: the resource schemas and the protocol's message schemas. */
export const SCIM_SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

/** RFC 7644 §8.1: what requests and answers carry (application/json is accepted too). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** The largest page a list answers (ServiceProviderConfig filter.maxResults); a larger `count` is cut to it. */
export const SCIM_MAX_RESULTS = 1000;
/** A list without `count` answers this many. */
export const SCIM_DEFAULT_COUNT = 100;
/** The most operations one PATCH may carry (patch.maxOperations, ours). */
export const SCIM_MAX_PATCH_OPERATIONS = 1000;
/** The longest filter accepted (characters). */
export const SCIM_MAX_FILTER_LENGTH = 4096;

export interface ScimListResponse<T> {
  schemas: [typeof SCIM_SCHEMAS.listResponse];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ScimListResponse<T> {
  return { schemas: [SCIM_SCHEMAS.listResponse], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A weak ETag (RFC 7644 §3.14) from a resource's version; meta.version carries the same text. */
export function etagOf(version: string): string {
  return `W/"${version}"`;
}

/**
 * Whether an `If-Match` header admits the resource's current version: `*`, or one of the listed tags
 * (weak or strong: SCIM versions are weak, RFC 7232's weak comparison).
 */
export function ifMatchAdmits(header: string | undefined, version: string): boolean {
  if (header === undefined) return true;
  const wanted = header.split(',').map((tag) => tag.trim());
  return wanted.some((tag) => tag === '*' || tag.replace(/^W\//, '') === `"${version}"`);
}
