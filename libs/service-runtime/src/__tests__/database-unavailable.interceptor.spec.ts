import { ProblemException } from '@gatehouse/errors';
import { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, throwError } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { DatabaseUnavailableInterceptor, isDatabaseUnreachable } from '../database-unavailable.interceptor';

const failing = (error: unknown): CallHandler => ({ handle: () => throwError(() => error) });
const context = {} as ExecutionContext;

describe('DatabaseUnavailableInterceptor', () => {
  it('recognises connection failures of pg, raw and wrapped in a QueryFailedError', () => {
    expect(isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnreachable(new QueryFailedError('SELECT 1', [], Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
  });

  it('leaves other errors alone (constraint violations, bugs, problems)', () => {
    expect(isDatabaseUnreachable(new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isDatabaseUnreachable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnreachable(ProblemException.notFound('nope'))).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });

  it('turns an unreachable database into a 503 problem and passes anything else through', async () => {
    const interceptor = new DatabaseUnavailableInterceptor();
    const down = lastValueFrom(interceptor.intercept(context, failing(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))));
    await expect(down).rejects.toMatchObject({ problem: { status: 503, type: expect.stringContaining('unavailable') } });
    const bug = new TypeError('boom');
    await expect(lastValueFrom(interceptor.intercept(context, failing(bug)))).rejects.toBe(bug);
  });
});
