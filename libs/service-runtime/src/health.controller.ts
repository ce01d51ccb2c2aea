import { NatsClient } from '@gatehouse/messaging';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import {
  HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator,
} from '@nestjs/terminus';

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
export interface HealthOptions {
  database: boolean;
}

/** `/health/live`: the process answers. `/health/ready`: Postgres (if owned) and NATS reachable. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsClient,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
    @Optional() private readonly db?: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [
      async () => {
        const session = this.indicators.check('nats');
        return this.nats.isReady() ? session.up() : session.down({ message: 'not connected' });
      },
    ];
    if (this.options.database && this.db) {
      const db = this.db;
      checks.push(() => db.pingCheck('postgres', { timeout: 1500 }));
    }
    return this.health.check(checks);
  }
}
