import { Caller } from '@gatehouse/contracts';
import { TraceContext } from '@gatehouse/logging';

/** What the route handler takes from Fastify's request: everything admission and dispatch read. */
export interface IncomingRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  authorization: string | undefined;
  ip: string;
  /** Passed explicitly (not through AsyncLocalStorage) to every NATS call the request makes. */
  trace: TraceContext;
}

/** A request that passed authentication, tenant resolution and authorization. */
export interface Admission {
  caller: Caller | null;
  tenantId: string | null | undefined;
  params: Record<string, string>;
  /** For an allowed permission check without a namespace: null = every namespace, else the granted prefixes. */
  namespaces?: string[] | null;
}
