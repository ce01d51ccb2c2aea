import { EventDefinition } from './events';
import { SubjectType } from './rpc';

/**
 * `ACCESS_REFUSED`: the grant guard refused a change or a credential (a 403 naming its `rule`); the entry
 * names who asked, where, the resource aimed at and `details: { rule, detail, operation }`
 * (docs/access-model.md, "Refusals in the audit trail").
 */
export const AUDIT_TYPES = [
  'CREATE', 'READ', 'UPDATE', 'DELETE', 'LOGIN', 'LOGOUT', 'LOGIN_FAILURE', 'ACCOUNT_LOCKED', 'IMPERSONATE', 'ACCESS_REFUSED',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/**
 * One audit entry (DESIGN §7): who did what to which resource, in which tenant, when and from where,
 * with a before/after diff. Produced through each service's outbox, stored immutably by tenancy.
 */
export interface AuditEntry {
  /** null = the default tenant; undefined = instance level (tenant lifecycle, user management). */
  tenantId?: string | null;
  type: AuditType;
  /** e.g. USER, SERVICE_ACCOUNT, API_TOKEN, TENANT, ROLE, GROUP, BINDING, INVITATION, SESSION. */
  resourceType: string;
  resourceId: string | null;
  actor: { type: SubjectType | 'SERVICE' | 'ANONYMOUS' | 'INTEGRATION'; id: string | null; username?: string | null };
  /**
   * Set when the actor was being impersonated: the user who really acted through an impersonation token
   * (its `act` claim). Shown as "<impersonator> as <actor>".
   */
  impersonator?: { type: 'USER'; id: string; username?: string | null };
  ip: string | null;
  at: string;
  /** Changed fields only; secrets and hashes are never included. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** Free-form context, e.g. the failed login's username, the reason of a lockout. */
  details?: Record<string, unknown>;
}

/** Each service publishes audit entries on its own subject (NATS permissions: `events.<service>.>`). */
export function auditEvent(service: string): EventDefinition<AuditEntry> {
  return { subject: `events.${service}.audit.recorded.v1` };
}

/** Every audit subject, for the consumer in tenancy. */
export const AUDIT_SOURCES = ['identity', 'tenancy', 'authorization', 'notification'] as const;
