import pino from 'pino';
import { AccessEntry, ACCESS_MESSAGE, formatAccessLines } from '../access-log-format';

const LEVELS = pino.levels.values;

/** The line pino itself writes for the same fields: what every other log line of the gateway looks like. */
function pinoLine(level: 'info' | 'error', time: number, fields: Record<string, unknown>): string {
  let written = '';
  const logger = pino({ base: { service: 'gateway' }, timestamp: () => `,"time":${time}` }, { write: (line: string) => (written += line) });
  logger.child({ context: 'access' })[level](fields, ACCESS_MESSAGE);
  return written;
}

describe('formatAccessLines', () => {
  const base = { service: 'gateway', context: 'access' };

  it('writes, for each entry, the JSON line pino would write (field order, numeric level, newline)', () => {
    const ok: AccessEntry = [1796447197175, LEVELS.info, 'req-1', 'a'.repeat(32), 'GET', '/api/v1/t1/flows/x', '/api/v1/:tenant/flows/*', 200, 0.734, '127.0.0.1'];
    const failed: AccessEntry = [1796447197176, LEVELS.error, 'req-2', 'b'.repeat(32), 'POST', '/api/v1/t1/flows/y', '/api/v1/:tenant/flows/*', 502, 12.5, '10.0.0.7'];
    const fieldsOf = ([, , requestId, traceId, method, path, route, status, responseTimeMs, ip]: AccessEntry) => ({ requestId, traceId, method, path, route, status, responseTimeMs, ip });

    expect(formatAccessLines([ok, failed], base)).toBe(pinoLine('info', ok[0], fieldsOf(ok)) + pinoLine('error', failed[0], fieldsOf(failed)));
  });

  it('leaves out a missing trace id and route, as pino does, and escapes what the client sent', () => {
    const entry: AccessEntry = [1, LEVELS.info, 'id "quoted"\n', undefined, 'GET', '/weird/"path\\', undefined, 404, 0.1, '::1'];
    const [line] = formatAccessLines([entry], base).split('\n');

    expect(JSON.parse(line)).toEqual({ level: 30, time: 1, ...base, requestId: 'id "quoted"\n', method: 'GET', path: '/weird/"path\\', status: 404, responseTimeMs: 0.1, ip: '::1', msg: ACCESS_MESSAGE });
  });

  it('writes nothing for no entries', () => {
    expect(formatAccessLines([], base)).toBe('');
  });
});
