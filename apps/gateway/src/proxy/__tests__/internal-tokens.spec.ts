import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { InternalTokens } from '../internal-tokens';

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt' };
const bob: Caller = { type: 'SERVICE_ACCOUNT', id: 'bob', via: 'api-token' };

function tokensWith(answer: (n: number) => Promise<{ token: string; expiresIn: number }>) {
  let n = 0;
  const rpc = { internal: jest.fn(() => answer(++n)) } as unknown as RpcClient & { internal: jest.Mock };
  return { tokens: new InternalTokens(rpc), rpc };
}

describe('InternalTokens (gateway)', () => {
  afterEach(() => jest.useRealTimers());

  it('issues one token per (subject, tenant, upstream) and shares it between concurrent requests', async () => {
    const { tokens, rpc } = tokensWith(async (n) => ({ token: `t${n}`, expiresIn: 60 }));
    const [a, b] = await Promise.all([tokens.tokenFor(alice, 't1', 'flows'), tokens.tokenFor(alice, 't1', 'flows')]);
    expect([a, b]).toEqual(['t1', 't1']);
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    expect(rpc.internal.mock.calls[0].slice(0, 3)).toEqual([
      'gateway',
      expect.anything(),
      { subjectId: 'alice', subjectType: 'USER', tenantId: 't1', audience: 'flows' },
    ]);
    expect(await tokens.tokenFor(alice, null, 'flows')).toBe('t2');
    expect(await tokens.tokenFor(alice, 't1', 'files')).toBe('t3');
    expect(await tokens.tokenFor(bob, 't1', 'flows')).toBe('t4');
    expect(rpc.internal.mock.calls[3][2].subjectType).toBe('SERVICE_ACCOUNT');
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    expect(rpc.internal).toHaveBeenCalledTimes(4);
  });

  it('asks for a new token 10 s before the cached one expires', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { tokens, rpc } = tokensWith(async (n) => ({ token: `t${n}`, expiresIn: 60 }));
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    jest.setSystemTime(1_000_000 + 49_000);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1'); // and its successor is asked for
    await Promise.resolve();
    await Promise.resolve();
    jest.setSystemTime(1_000_000 + 50_001);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t2');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    // Had nobody used it in its last 20 s, the token expires unrenewed and the next request waits for one.
    jest.setSystemTime(1_000_000 + 200_000);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t3');
  });

  it('issues the successor in the background, so no request waits for identity once a token is cached', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let release: (value: { token: string; expiresIn: number }) => void = () => undefined;
    const { tokens, rpc } = tokensWith((n) =>
      n === 1 ? Promise.resolve({ token: 't1', expiresIn: 60 }) : new Promise((resolve) => (release = resolve)),
    );
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    jest.setSystemTime(1_000_000 + 30_000);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    jest.setSystemTime(1_000_000 + 41_000);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1'); // answered at once, the successor is on its way
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    release({ token: 't2', expiresIn: 60 });
    await Promise.resolve();
    await Promise.resolve();
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t2');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
  });

  it('keeps handing out the current token when its successor cannot be issued', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { tokens, rpc } = tokensWith(async (n) => {
      if (n === 2) throw ProblemException.unavailable('identity is down');
      return { token: `t${n}`, expiresIn: 60 };
    });
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    jest.setSystemTime(1_000_000 + 41_000);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    await Promise.resolve();
    await Promise.resolve();
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t1');
    await Promise.resolve();
    await Promise.resolve();
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t3');
    expect(rpc.internal).toHaveBeenCalledTimes(3);
  });

  it('does not remember a failure', async () => {
    const { tokens, rpc } = tokensWith(async (n) => {
      if (n === 1) throw ProblemException.unavailable('identity is down');
      return { token: `t${n}`, expiresIn: 60 };
    });
    await expect(tokens.tokenFor(alice, 't1', 'flows')).rejects.toBeInstanceOf(ProblemException);
    expect(await tokens.tokenFor(alice, 't1', 'flows')).toBe('t2');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
  });
});
