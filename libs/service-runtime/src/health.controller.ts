import { NatsClient } from '@gatehouse/messaging';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';

/** The Postgres readiness check, provided only to services that own a database (see HealthModule). */
export const DATABASE_CHECK = Symbol('DATABASE_CHECK');

/** `/health/live`: the process answers. `/health/ready`: Postgres (if owned) and NATS reachable. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsClient,
    @Optional() @Inject(DATABASE_CHECK) private readonly database?: HealthIndicatorFunction,
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
    if (this.database) checks.push(this.database);
    return this.health.check(checks);
  }
}
