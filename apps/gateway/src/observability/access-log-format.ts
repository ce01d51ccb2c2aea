/** One access-log line's fields, as posted to the writer thread (a tuple clones faster than an object). */
export type AccessEntry = [
  time: number,
  level: number,
  requestId: string,
  traceId: string | undefined,
  method: string,
  path: string,
  route: string | undefined,
  status: number,
  responseTimeMs: number,
  ip: string,
];

export const ACCESS_MESSAGE = 'request completed';

/** What the writer thread is started with: the fields every line carries (service, context). */
export interface AccessLogWriterData {
  base: Record<string, unknown>;
}

/** The lines pino would write for these entries (its field order; undefined fields left out), each ending in \n. */
export function formatAccessLines(entries: readonly AccessEntry[], base: Readonly<Record<string, unknown>>): string {
  let lines = '';
  for (const [time, level, requestId, traceId, method, path, route, status, responseTimeMs, ip] of entries) {
    lines += `${JSON.stringify({ level, time, ...base, requestId, traceId, method, path, route, status, responseTimeMs, ip, msg: ACCESS_MESSAGE })}\n`;
  }
  return lines;
}
