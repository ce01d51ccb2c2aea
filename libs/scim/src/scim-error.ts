import { Problem } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { SCIM_SCHEMAS } from './scim-protocol';

/** RFC 7644 §3.12, table 9: the `scimType` of a 400 (and `uniqueness` of a 409). */
export type ScimType =
  | 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export interface ScimErrorBody {
  schemas: [typeof SCIM_SCHEMAS.error];
  /** The HTTP status, as a string (RFC 7644 §3.12). */
  status: string;
  scimType?: ScimType;
  detail?: string;
  /** Gatehouse's rule when the grant guard or the tenant boundary refused (docs/access-model.md). */
  rule?: string;
}

/** A SCIM failure: crosses NATS as a Problem carrying `scimType`, and the gateway answers it as a SCIM error body. */
export function scimError(status: number, scimType: ScimType | undefined, detail: string): ProblemException {
  return new ProblemException(status, scimType ? `scim-${scimType}` : `scim-${status}`, detail, scimType ? { scimType } : {});
}

/**
 * Any problem (the gateway's own 401/403/404/429, a service's answer) as a SCIM error body. A 400 without
 * a scimType was refused by the input rules or a DTO: `invalidValue` (or `invalidSyntax` for a body that is
 * not JSON); a 409 is `uniqueness`.
 */
export function scimErrorBody(problem: Problem): ScimErrorBody {
  const given = typeof problem['scimType'] === 'string' ? (problem['scimType'] as ScimType) : undefined;
  const scimType = given ?? (problem.status === 409 ? 'uniqueness' : problem.status === 400 ? 'invalidValue' : undefined);
  const rule = typeof problem['rule'] === 'string' ? problem['rule'] : undefined;
  return {
    schemas: [SCIM_SCHEMAS.error],
    status: String(problem.status),
    ...(scimType ? { scimType } : {}),
    detail: problem.detail ?? problem.title,
    ...(rule ? { rule } : {}),
  };
}
