import { AuditEntry, Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { SERVICE } from '../service-name';

/** The signed-in user behind a request; 403 for service accounts and internal identities. */
export function requireUserCaller(caller: Caller | null): Caller & { type: 'USER' } {
  if (!caller) throw ProblemException.unauthorized();
  if (caller.type !== 'USER') throw ProblemException.forbidden('Only users can do this');
  return caller as Caller & { type: 'USER' };
}

/** A caller for audit entries of anonymous requests (sign-ins), carrying the client's address. */
export function anonymousCaller(ip: string | null): Caller {
  return { type: 'SERVICE', id: SERVICE, via: 'internal', ...(ip ? { ip } : {}) };
}

export const ANONYMOUS_ACTOR: AuditEntry['actor'] = { type: 'ANONYMOUS', id: null };
