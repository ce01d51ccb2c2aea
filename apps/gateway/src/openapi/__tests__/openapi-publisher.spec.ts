import { RpcClient } from '@gatehouse/messaging';
import { Logger } from '@nestjs/common';
import { RouteDefinition } from '../../request/route-definition';
import { OpenApiPublisher } from '../openapi-publisher';

// @fastify/static needs an ES-module-only dependency Jest's CommonJS runtime cannot load; not used here.
jest.mock('@fastify/static', () => ({ __esModule: true, default: jest.fn() }));

const routes: RouteDefinition[] = [
  { method: 'GET', path: '/api/v1/me', summary: 'Me', access: 'authenticated', target: { subject: 'identity.me.get.v1' } as RouteDefinition['target'] },
];
const schemasOf = (service: string) => ({ service, requests: {}, schemas: { [`${service}Schema`]: { type: 'object' } } });

describe('OpenApiPublisher (gateway)', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  afterEach(() => jest.useRealTimers());

  it('asks every service for its request schemas and keeps a complete document for a minute', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const rpc = { internal: jest.fn(async (_caller: string, definition: { subject: string }) => schemasOf(definition.subject.split('.')[0])) };
    const publisher = new OpenApiPublisher(rpc as unknown as RpcClient);
    const document = (await publisher.document(routes)) as { components: { schemas: Record<string, unknown> } };
    expect(Object.keys(document.components.schemas)).toEqual(['Problem', 'identitySchema', 'tenancySchema', 'authorizationSchema', 'notificationSchema']);
    expect(rpc.internal).toHaveBeenCalledTimes(4);
    expect(await publisher.document(routes)).toBe(document);
    jest.setSystemTime(1_000_000 + 60_000);
    await publisher.document(routes);
    expect(rpc.internal).toHaveBeenCalledTimes(8);
  });

  it('serves a partial document while a service does not answer, and asks again next time', async () => {
    let notificationUp = false;
    const rpc = {
      internal: jest.fn(async (_caller: string, definition: { subject: string }) => {
        const service = definition.subject.split('.')[0];
        if (service === 'notification' && !notificationUp) throw new Error('no responders');
        return schemasOf(service);
      }),
    };
    const publisher = new OpenApiPublisher(rpc as unknown as RpcClient);
    const partial = (await publisher.document(routes)) as { components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> };
    expect(partial.components.schemas).not.toHaveProperty('notificationSchema');
    expect(partial.paths).toHaveProperty('/api/v1/me');
    notificationUp = true;
    const complete = (await publisher.document(routes)) as { components: { schemas: Record<string, unknown> } };
    expect(complete.components.schemas).toHaveProperty('notificationSchema');
  });
});
