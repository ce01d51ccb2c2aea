import { ProblemException } from '@gatehouse/errors';
import { UNIT_POSTGRES_URL } from '@gatehouse/testing';
import { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, throwError } from 'rxjs';
import { Client } from 'pg';
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

  it('recognises a write refused by a server in recovery (a standby the address still led to, or a demoted primary)', async () => {
    const client = new Client({ connectionString: UNIT_POSTGRES_URL });
    await client.connect();
    try {
      // a read-only transaction refuses a write with the very error a standby gives (SQLSTATE 25006)
      await client.query('BEGIN READ ONLY');
      const refused = await client.query('CREATE TABLE refused_on_standby (id int)').then(() => undefined, (error: unknown) => error);
      expect(refused).toMatchObject({ code: '25006' });
      expect(isDatabaseUnreachable(refused)).toBe(true);
      expect(isDatabaseUnreachable(new QueryFailedError('INSERT', [], refused as Error))).toBe(true);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
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
