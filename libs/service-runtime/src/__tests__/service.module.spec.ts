import { BaseServiceEnv, DatabaseServiceEnv, GatehouseConfigModule } from '@gatehouse/config';
import { DynamicModule } from '@nestjs/common';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '../health.module';
import { ServiceModule } from '../service.module';

class Env extends DatabaseServiceEnv {}

const modules = (module: DynamicModule) => (module.imports as DynamicModule[]).map((m) => m.module);

describe('ServiceModule.forService', () => {
  it('gives a service without a database config, logging, messaging and health, in that order', () => {
    const module = ServiceModule.forService({ name: 'gateway', envClass: BaseServiceEnv, env: new BaseServiceEnv(), shutdownDelayMs: 250 });
    expect(modules(module)).toEqual([GatehouseConfigModule, LoggingModule, MessagingModule, HealthModule]);
    expect(module.exports).toEqual(module.imports);
    const health = (module.imports as DynamicModule[])[3];
    expect(JSON.stringify(health.providers)).not.toContain('DATABASE_CHECK');
  });

  it('puts the database before messaging and the durable events after it, both named after the service', () => {
    const calls: string[] = [];
    const env = new Env();
    const database = {
      database: (service: string, given: Env) => {
        calls.push(`database:${service}:${given === env}`);
        return { module: class DatabasePart {} };
      },
      events: (service: string, given: Env) => {
        calls.push(`events:${service}:${given === env}`);
        return { module: class EventsPart {} };
      },
    };
    const module = ServiceModule.forService({ name: 'identity', envClass: Env, env, database });
    const names = modules(module).map((m) => m.name);
    expect(names).toEqual(['GatehouseConfigModule', 'LoggingModule', 'DatabasePart', 'MessagingModule', 'EventsPart', 'HealthModule']);
    expect(calls).toEqual(['database:identity:true', 'events:identity:true']);
    const config = (module.imports as DynamicModule[])[0];
    expect(config.providers).toEqual([{ provide: Env, useValue: env }]);
  });
});
