import { DataSource } from 'typeorm';
import { AuthorizationEnv } from '../../authorization.env';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { LiveTenants } from '../live-tenants';

/** A database whose answer to the live-tenants query arrives when the test says so. */
function slowDatabase() {
  let answer: (rows: Array<{ tenant_key: string }>) => void = () => undefined;
  const dataSource = { query: () => new Promise((resolve) => (answer = resolve)) } as unknown as DataSource;
  return { dataSource, answer: (keys: string[]) => answer(keys.map((tenant_key) => ({ tenant_key }))) };
}

describe('LiveTenants.reload', () => {
  const tenants = (db: ReturnType<typeof slowDatabase>) => new LiveTenants(db.dataSource, {} as InvalidationBus, new AuthorizationEnv());

  it('replaces the set with the database snapshot', async () => {
    const db = slowDatabase();
    const live = tenants(db);
    live.applyChanges([{ tenantId: 'gone', live: true }]);
    const reloading = live.reload();
    db.answer(['', 'acme']);
    await reloading;
    expect([live.isLive(null), live.isLive('acme'), live.isLive('gone')]).toEqual([true, true, false]);
  });

  it('keeps a change broadcast while its query ran (the snapshot may predate it)', async () => {
    const db = slowDatabase();
    const live = tenants(db);
    const reloading = live.reload();
    live.applyChanges([{ tenantId: 'created', live: true }, { tenantId: 'acme', live: false }]);
    db.answer(['acme']);
    await reloading;
    expect([live.isLive('created'), live.isLive('acme')]).toEqual([true, false]);
  });
});
