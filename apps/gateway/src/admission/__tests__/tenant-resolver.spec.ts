import { MultiTenancySettings } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { TenantResolver } from '../tenant-resolver';

function resolverWith(settings: MultiTenancySettings | (() => Promise<MultiTenancySettings>)) {
  const load = typeof settings === 'function' ? settings : async () => settings;
  const internal = jest.fn((..._args: unknown[]) => load());
  return { resolver: new TenantResolver({ internal } as unknown as RpcClient), internal };
}

/** The Problem of a resolution, thrown at once (settings cached) or rejected (settings loading). */
async function refusal(resolve: () => unknown): Promise<{ status: number; detail?: string }> {
  try {
    await resolve();
  } catch (error) {
    if (error instanceof ProblemException) return error.problem;
    throw error;
  }
  throw new Error('expected a Problem');
}

const on = { enabled: true, defaultTenant: true } as MultiTenancySettings;

describe('TenantResolver (gateway)', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves no segment (an instance-level path) to undefined without asking tenancy', () => {
    const { resolver, internal } = resolverWith(on);
    expect(resolver.resolve(undefined)).toBeUndefined();
    expect(internal).not.toHaveBeenCalled();
  });

  it('maps `default` to null and a tenant id to itself when multi-tenancy is on', async () => {
    const { resolver, internal } = resolverWith(on);
    expect(await resolver.resolve('default')).toBeNull();
    expect(resolver.resolve('acme')).toBe('acme'); // the settings are cached now: answered synchronously
    expect(internal).toHaveBeenCalledTimes(1);
    expect(internal.mock.calls[0][0]).toBe('gateway');
  });

  it('answers 404 for the default tenant when it is disabled', async () => {
    const { resolver } = resolverWith({ enabled: true, defaultTenant: false } as MultiTenancySettings);
    expect(await refusal(() => resolver.resolve('default'))).toMatchObject({ status: 404, detail: 'The default tenant is disabled on this instance' });
    expect(await resolver.resolve('acme')).toBe('acme');
  });

  it('answers 404 for any tenant but the default one when multi-tenancy is off', async () => {
    const { resolver } = resolverWith({ enabled: false, defaultTenant: false } as MultiTenancySettings);
    expect(await resolver.resolve('default')).toBeNull();
    expect(await refusal(() => resolver.resolve('acme'))).toMatchObject({ status: 404, detail: expect.stringContaining('multi-tenancy is disabled') });
  });

  it('answers 404 for a segment no tenant id can have, cut to 63 characters in the message', async () => {
    const { resolver } = resolverWith(on);
    expect((await refusal(() => resolver.resolve('Not_A_Tenant'))).status).toBe(404);
    const long = 'a'.repeat(100);
    expect((await refusal(() => resolver.resolve(long))).detail).toBe(`Tenant "${'a'.repeat(63)}" does not exist`);
  });

  it('shares one settings request between concurrent requests, and asks again after an error', async () => {
    let fail = true;
    const { resolver, internal } = resolverWith(async () => {
      if (fail) throw new Error('tenancy away');
      return on;
    });
    await expect(Promise.all([resolver.resolve('acme'), resolver.resolve('beta')])).rejects.toThrow('tenancy away');
    expect(internal).toHaveBeenCalledTimes(2); // one shared load, retried once
    fail = false;
    expect(await resolver.resolve('acme')).toBe('acme');
    expect(internal).toHaveBeenCalledTimes(3);
  });

  it('serves the last good settings while their refresh fails (a broker outage), instead of failing every request', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setTimeout'] });
    let fail = false;
    const { resolver, internal } = resolverWith(async () => {
      if (fail) throw new Error('The tenancy service did not answer in time');
      return on;
    });
    expect(await resolver.resolve('acme')).toBe('acme');
    fail = true;
    jest.setSystemTime(1_000_000 + 30_000); // expired
    expect(await resolver.resolve('acme')).toBe('acme');
    expect(resolver.resolve('beta')).toBe('beta'); // refreshes failing: answered at once from the last good settings
    expect(internal.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('refreshes the settings ahead of their expiry in the background, and reloads them once expired', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let settings = on;
    const { resolver, internal } = resolverWith(async () => settings);
    await resolver.resolve('acme');
    jest.setSystemTime(1_000_000 + 9_000); // within 2 s of the 10 s expiry
    settings = { enabled: false, defaultTenant: false } as MultiTenancySettings;
    expect(resolver.resolve('acme')).toBe('acme'); // still the cached settings, synchronously
    expect(internal).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 10; i++) await Promise.resolve(); // the background refresh settles
    expect((await refusal(() => resolver.resolve('acme'))).status).toBe(404);
    jest.setSystemTime(1_000_000 + 30_000);
    settings = on;
    expect(await resolver.resolve('acme')).toBe('acme');
    expect(internal).toHaveBeenCalledTimes(3);
  });
});
