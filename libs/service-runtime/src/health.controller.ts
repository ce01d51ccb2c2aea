import { NatsClient } from '@gatehouse/messaging';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownDelay } from './shutdown-delay';

/** The Postgres readiness check, provided only to services that own a database (see HealthModule). */
export const DATABASE_CHECK = Symbol('DATABASE_CHECK');

/**
 * `/health/live`: the process answers. `/health/ready`: Postgres (if owned) and NATS reachable, and
 * the process not shutting down.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsClient,
    private readonly shutdown: ShutdownDelay,
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
        const session = this.indicators.check('shutdown');
        return this.shutdown.draining ? session.down({ message: 'shutting down' }) : session.up();
      },
      async () => {
        const session = this.indicators.check('nats');
        return this.nats.isReady() ? session.up() : session.down({ message: 'not connected' });
      },
    ];
    if (this.database) checks.push(this.database);
    return this.health.check(checks);
  }
}
