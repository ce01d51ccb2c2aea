/** The gateway's service name: its NATS connection names and the caller of its internal requests. */
export const GATEWAY = 'gateway';
