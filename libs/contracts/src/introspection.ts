import { rpc } from './rpc';

/** JSON Schemas of the request DTOs a service's handlers validate, keyed by subject (for OpenAPI). */
export interface ServiceSchemas {
  service: string;
  /** subject → name of its request schema in `schemas`. */
  requests: Record<string, string>;
  schemas: Record<string, unknown>;
}

/** Every service answers on its own subject: `<service>.introspection.schemas.v1`. */
export function schemasRpc(service: string) {
  return rpc<Record<string, never>, ServiceSchemas>(`${service}.introspection.schemas.v1`);
}
