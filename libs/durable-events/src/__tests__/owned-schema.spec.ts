import { DatabaseServiceEnv } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DURABLE_EVENTS_OPTIONS } from '../durable-events.options';
import { DurableEventsModule } from '../durable-events.module';
import { ownedSchema } from '../owned-schema';

describe('ownedSchema', () => {
  const env = Object.assign(new DatabaseServiceEnv(), { DATABASE_POOL_SIZE: 7, OUTBOX_RETENTION_HOURS: 12 });

  it('gives TypeORM and the durable events on the schema named after the service', () => {
    const schema = ownedSchema({ entities: [], migrations: [] });
    expect(schema.database('tenancy', env).module).toBe(DatabaseModule);
    const events = schema.events('tenancy', env);
    expect(events.module).toBe(DurableEventsModule);
    expect(events.providers).toContainEqual({ provide: DURABLE_EVENTS_OPTIONS, useValue: { service: 'tenancy', schema: 'tenancy', outboxRetentionHours: 12 } });
  });

  it('takes another schema name when given one', () => {
    const events = ownedSchema({ entities: [], migrations: [], schema: 'elsewhere' }).events('tenancy', env);
    expect(events.providers).toContainEqual({ provide: DURABLE_EVENTS_OPTIONS, useValue: { service: 'tenancy', schema: 'elsewhere', outboxRetentionHours: 12 } });
  });
});
