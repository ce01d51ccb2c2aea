import { Logger } from '@nestjs/common';
import { ProblemException } from '../problem.exception';
import { toProblem } from '../problem-exception.filter';

describe('toProblem', () => {
  const logger = new Logger('test');
  let logged: jest.SpyInstance;
  beforeEach(() => (logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined)));
  afterEach(() => logged.mockRestore());

  it('answers an error the HTTP framework raised with its 4xx status and message, without logging it', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(toProblem(tooLarge, logger, 'http')).toMatchObject({ status: 413, detail: 'Request body is too large' });
    expect(logged).not.toHaveBeenCalled();
  });

  it('hides anything else behind a logged 500', () => {
    for (const error of [Object.assign(new Error('pool exhausted at db.internal:5432'), { statusCode: 503 }), new Error('boom'), 'a string']) {
      const problem = toProblem(error, logger, 'http');
      expect(problem.status).toBe(500);
      expect(JSON.stringify(problem)).not.toMatch(/db\.internal|boom|a string/);
    }
    expect(logged).toHaveBeenCalledTimes(3);
  });

  it("answers a write refused by a tenant write guard (SQLSTATE GH404, raw or wrapped) with a 404, without logging it", () => {
    const raised = Object.assign(new Error('tenant "gone" does not exist'), { code: 'GH404' });
    for (const error of [raised, Object.assign(new Error('query failed'), { driverError: raised })]) {
      expect(toProblem(error, logger, 'rpc')).toMatchObject({ status: 404, detail: 'This tenant does not exist' });
    }
    expect(logged).not.toHaveBeenCalled();
  });

  it('answers a write whose reference was deleted meanwhile (SQLSTATE 23503) with a 409, without logging it', () => {
    const raised = Object.assign(new Error('insert or update on table "bindings" violates foreign key constraint "bindings_role_id_fkey"'), { code: '23503' });
    for (const error of [raised, Object.assign(new Error('query failed'), { driverError: raised })]) {
      const problem = toProblem(error, logger, 'rpc');
      expect(problem).toMatchObject({ status: 409 });
      expect(JSON.stringify(problem)).not.toMatch(/bindings|fkey/);
    }
    expect(logged).not.toHaveBeenCalled();
  });

  it('keeps a ProblemException as it is', () => {
    expect(toProblem(ProblemException.conflict('taken'), logger, 'http')).toMatchObject({ status: 409, detail: 'taken' });
  });
});
