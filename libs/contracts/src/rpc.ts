/** Who is making a request, as verified by the gateway (or a NATS peer for internal calls). */
export type SubjectType = 'USER' | 'SERVICE_ACCOUNT';

export interface Caller {
  type: SubjectType | 'SERVICE';
  /** User or service-account id; the service name for internal calls. */
  id: string;
  /** How the gateway authenticated the caller. */
  via?: 'jwt' | 'api-token' | 'basic' | 'internal' | 'integration';
  ip?: string;
  /** The session (refresh-token family) of a JWT caller, e.g. to keep it when ending the others. */
  sessionId?: string;
  /**
   * Set when the caller is being impersonated (an access token with an RFC 8693 `act` claim): who is
   * really acting, and the one tenant the impersonation is good for (null = the default tenant). The
   * request is made, decided and audited as the caller, with the impersonator recorded.
   */
  impersonator?: Impersonator;
  /**
   * The one tenant the credential is good for (null = the default tenant): an access token of the OpenID
   * Connect provider carrying `tenant`. The gateway refuses it on any other tenant's routes and on
   * instance-level permissions. Undefined: no such restriction (the console's and CLI's sessions, API tokens).
   */
  tenant?: string | null;
  /**
   * Set for a session whose user must first set up a second factor (an MFA policy): the gateway lets it
   * reach the enrolment routes only (`mfa-enrolment-required` elsewhere).
   */
  enrolmentOnly?: boolean;
  /** The OAuth client an access token of the OpenID Connect provider was issued to (its `client_id`). */
  client?: string;
  /**
   * Step-up (the gateway, from a session token's `mfa_enrolled` and `auth_time`): the user has a second
   * factor and presented one at `factorAt` (epoch seconds; undefined: not in this session).
   */
  mfa?: { enrolled: true; factorAt?: number };
  /**
   * Set by the gateway when the caller has a second factor but presented none recently (STEP_UP_MAX_AGE_SECONDS):
   * a service refuses a sensitive action it judges itself (granting Admin) with 401 `step-up-required`.
   */
  stepUpRequired?: boolean;
  /**
   * Set when a provisioning integration calls (its SCIM secret, docs/scim.md): the caller is the admin who
   * created it, whose permissions it acts with; it is good on that integration's SCIM routes only, and
   * audited with the integration as actor.
   */
  integration?: { id: string; tenantId: string | null };
}

/** Who acts through an impersonation token (its `act` claim), in which tenant. */
export interface Impersonator {
  type: 'USER';
  id: string;
  tenantId: string | null;
}

/** The payload of every request-reply message. `data` is what the handler validates. */
export interface RpcEnvelope<T = unknown> {
  caller: Caller | null;
  /** Tenant addressed by the request; null = the default tenant; undefined = instance level. */
  tenantId?: string | null;
  /** The client's address as seen by the gateway, also for anonymous requests (login throttling). */
  ip?: string;
  /** The client's User-Agent header (cut at 512 characters), recorded with sessions. */
  userAgent?: string;
  /** Set by the gateway for a write with an Idempotency-Key: where the service records its outcome. */
  idempotency?: { id: string; fingerprint: string; sealKey: string; legacyFingerprint: string };
  data: T;
}

/** A typed request-reply contract: the subject name carries the version. */
export interface RpcDefinition<Req, Res> {
  readonly subject: string;
  /** Phantom fields: never set, they only carry the types. */
  readonly __req?: Req;
  readonly __res?: Res;
}

export function rpc<Req, Res>(subject: string): RpcDefinition<Req, Res> {
  return { subject };
}

export type RpcRequestOf<D> = D extends RpcDefinition<infer Req, unknown> ? Req : never;
export type RpcResponseOf<D> = D extends RpcDefinition<unknown, infer Res> ? Res : never;

/**
 * Every request-reply call carries its id in this NATS header; each instance knows the ids it is running.
 */
export const CALL_ID_HEADER = 'gatehouse-call-id';

/**
 * Asked of every instance of `service` (no queue group) about a call that has gone unanswered a while:
 * the instance running it answers `{ running: true }`; the others stay silent. Nobody answering means no
 * live instance has the call (the one that took it died), so a caller may send it again without running
 * it twice (libs/messaging's RpcClient, for calls that are safe to repeat).
 */
export function inFlightProbeSubject(service: string): string {
  return `${service}.calls.in-flight.v1`;
}

export interface InFlightProbe {
  callId: string;
}
