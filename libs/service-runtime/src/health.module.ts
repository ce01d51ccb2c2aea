import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DATABASE_CHECK, HealthController } from './health.controller';

export interface HealthOptions {
  database: boolean;
}

@Module({})
export class HealthModule {
  /**
   * The Postgres check exists only with `database: true`: TypeORM's health indicator loads TypeORM,
   * which a process without a database (the gateway) should not carry in its heap.
   */
  static forRoot(options: HealthOptions): DynamicModule {
    const databaseCheck = {
      provide: DATABASE_CHECK,
      inject: [TypeOrmHealthIndicator],
      useFactory: (indicator: TypeOrmHealthIndicator) => () => indicator.pingCheck('postgres', { timeout: 1500 }),
    };
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: options.database ? [databaseCheck] : [],
    };
  }
}
