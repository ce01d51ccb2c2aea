/**
 * Local mode (`npm start`): every service and the gateway in one Node process, on an embedded
 * PostgreSQL and an in-process transport, so a machine with nothing but Node runs the whole system.
 *
 * The design choice: the services speak NATS in four ways (NestJS `@MessagePattern` handlers served by
 * the NATS transport, our `RpcClient` doing `nc.request()` in the Nest wire format, core publish and
 * subscribe for broadcasts and the decision server, and JetStream for the outbox stream, the durable
 * event consumers and the idempotency key-value bucket). Rather than a second transport beside each
 * of those, this lib implements, in process, the small part of the `nats` client API they use
 * (`InProcessBroker` + `InProcessConnection`: subjects with wildcards, queue groups, request-reply with
 * the no-responders and timeout errors, headers, a JetStream stream with durable pull consumers,
 * explicit ack / nak(delay) / term / ack_wait redelivery and msgID de-duplication, and KV buckets with
 * create/update revision checks and TTL). It plugs in as one MessagingTransport (libs/messaging),
 * `inProcessTransport(broker)`, which local mode (apps/local) hands to `startSharedService` and
 * `startGateway` explicitly, never as a fallback; they provide it as MESSAGING_TRANSPORT:
 * - `connect`: the process's NatsClient connections go to the broker;
 * - `server`: `InProcessServer`, a custom transport strategy that is NestJS's own `ServerNats` on a
 *   broker connection, serves each service's handlers.
 * So every handler, guard, interceptor, outbox relay and event consumer runs unchanged, and the
 * distributed topology (NATS_TRANSPORT) runs exactly as before.
 *
 * What a NATS server keeps on disk (stream messages, consumer positions, KV entries) is kept under the
 * broker's `storeDir`: an event the outbox marked published survives a restart, and a consumer picks up
 * where it stopped (anything in flight is delivered again and deduplicated by event id, as with NATS).
 *
 * The CLI's operator commands, which speak NATS, reach local mode through its operator socket
 * (OPERATOR_SOCKET_FILE in @gatehouse/contracts): `OperatorRelay` (local mode's end, relaying requests
 * to the broker) and `connectOperatorSocket` (the CLI's end, a NatsConnection for NatsClient).
 */
export * from './subjects';
export * from './broker-types';
export * from './in-process-broker';
export * from './in-process-connection';
export * from './in-process-jetstream';
export * from './in-process-kv';
export * from './in-process-server';
export * from './in-process-transport';
export * from './embedded-database';
export * from './operator-relay';
export * from './operator-socket-client';
