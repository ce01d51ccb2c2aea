import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TenancyRpc } from '@gatehouse/contracts';
import { InProcessBroker, OperatorRelay } from '@gatehouse/local-transport';
import { staleSocket } from '@gatehouse/testing';
import { JSONCodec, Msg } from 'nats';
import { ApiError } from '../http-client';
import { connectOperator } from '../operator/connect-operator';
import { OperatorUnreachableError } from '../operator/operator-rpc';

const codec = JSONCodec<Record<string, unknown>>();

/** The real connector on local mode's operator socket: a relay on an in-process broker, tenancy answered in NestJS's wire format. */
describe('connectOperator on local mode\'s operator socket', () => {
  let dir: string;
  let path: string;
  let broker: InProcessBroker;
  let relay: OperatorRelay;
  const envelopes: unknown[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
    path = join(dir, 'operator.sock');
    broker = new InProcessBroker();
    const tenancy = await broker.connect({ inboxPrefix: '_INBOX_tenancy' });
    tenancy.subscribe('tenancy.>', {
      queue: 'tenancy',
      callback: (_e, m: Msg) => {
        const request = codec.decode(m.data) as { id: string; pattern: string; data: unknown };
        envelopes.push(request.data);
        const answer = request.pattern === TenancyRpc.syncAccess.subject
          ? { response: { usersExamined: 2, usersGranted: 1, grantedUserIds: [], defaultRole: 'Viewer' } }
          : { err: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no tenant nope' } };
        m.respond(codec.encode({ id: request.id, isDisposed: true, ...answer }));
      },
    });
    relay = await OperatorRelay.listen({ path, connection: await broker.connect({ inboxPrefix: '_INBOX_cli' }), services: ['tenancy'] });
  });

  afterAll(async () => {
    await relay.close();
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls the services as the trusted caller cli, and turns their problems into ApiErrors', async () => {
    const rpc = await connectOperator({ kind: 'socket', path });
    try {
      expect(await rpc.call(TenancyRpc.syncAccess, {})).toMatchObject({ usersExamined: 2, usersGranted: 1 });
      expect(envelopes[0]).toEqual({ caller: { type: 'SERVICE', id: 'cli', via: 'internal' }, data: {} });
      const refused = await rpc.call(TenancyRpc.getTenant, { id: 'nope' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).problem).toMatchObject({ status: 404, detail: 'no tenant nope' });
      const notRelayed = await rpc.call({ subject: 'identity.users.get.v1' }, {}).catch((error: unknown) => error);
      expect((notRelayed as ApiError).problem).toMatchObject({ status: 503, detail: 'The identity service could not be reached' });
    } finally {
      await rpc.close();
    }
  });

  it('fails with the socket path and the reason when nothing is there, or nobody listens', async () => {
    const missing = join(dir, 'missing.sock');
    const noFile = await connectOperator({ kind: 'socket', path: missing }).catch((error: unknown) => error);
    expect(noFile).toBeInstanceOf(OperatorUnreachableError);
    expect(noFile).toMatchObject({ message: `cannot reach local mode's operator socket at ${missing} (ENOENT: no such file)`, hint: expect.stringContaining('is local mode (npm start) running?') });

    const stale = join(dir, 'stale.sock');
    await staleSocket(stale);
    const nobody = await connectOperator({ kind: 'socket', path: stale }).catch((error: unknown) => error);
    expect(nobody).toMatchObject({ message: `cannot reach local mode's operator socket at ${stale} (ECONNREFUSED: nobody listens on it)` });
  });
});
