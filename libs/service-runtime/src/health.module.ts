import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DATABASE_CHECK, HealthController } from './health.controller';
import { ShutdownDelay } from './shutdown-delay';

export interface HealthOptions {
  database: boolean;
  /** On shutdown, how long readiness reports 503 while the process still serves (see ShutdownDelay). */
  shutdownDelayMs?: number;
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
      providers: [
        { provide: ShutdownDelay, useValue: new ShutdownDelay(options.shutdownDelayMs ?? 0) },
        ...(options.database ? [databaseCheck] : []),
      ],
    };
  }
}
