/**
 * Local mode's operator socket: a Unix domain socket, `<GATEHOUSE_DATA_DIR>/operator.sock`, owner-only
 * (0600), through which the `gatehouse` CLI's operator commands reach local mode's services on the
 * host where it runs, as they reach them over NATS in the distributed topology. Local mode
 * (apps/local) relays each request to its in-process broker; the CLI talks to it with a client that
 * stands in for a NATS connection (both in libs/local-transport).
 *
 * The wire format: one JSON object per line (`\n`-terminated UTF-8), at most
 * OPERATOR_SOCKET_MAX_FRAME_BYTES each. Only request-reply, and only to the services' RPC subjects
 * (`<service>.<...>`); anything else is answered with an error frame.
 */
export const OPERATOR_SOCKET_FILE = 'operator.sock';

/** Local mode's data folder when GATEHOUSE_DATA_DIR is unset, relative to the working directory (the CLI looks there too). */
export const DEFAULT_LOCAL_DATA_DIR = '.data';

/** The largest frame either side reads: an 8 MiB payload (the NATS `max_payload` of deploy/) in base64, plus the frame. */
export const OPERATOR_SOCKET_MAX_FRAME_BYTES = 12 * 1024 * 1024;

/** A request: NATS `request(subject, data, { headers, timeout })`. */
export interface OperatorRequestFrame {
  /** Chosen by the client, unique among its requests in flight: a non-negative integer. */
  id: number;
  subject: string;
  /** The payload, base64. */
  data: string;
  headers?: Record<string, string[]>;
  timeoutMs?: number;
}

/**
 * Codes of refused requests. A request nobody answered carries the NATS client's own codes
 * (`503` no responders, `TIMEOUT`), so that a caller tells them apart as it does over NATS.
 */
export type OperatorSocketErrorCode = '503' | 'TIMEOUT' | 'BAD_FRAME' | 'FRAME_TOO_LARGE' | 'SUBJECT_REFUSED' | 'BUSY' | 'FAILED';

/** The answer to a request (`id`), or an error; `id` is null when the frame it answers had no valid id. */
export type OperatorReplyFrame =
  | { id: number; data: string }
  | { id: number | null; error: { code: OperatorSocketErrorCode; message: string } };
