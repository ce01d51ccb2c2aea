import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { Logger as PinoInstance } from 'pino';
import { traceLogFields } from './trace-context';

export interface LoggingOptions {
  service: string;
  level: string;
}

/** Secrets that must never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  '*.password',
  '*.newPassword',
  '*.oldPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/** The process's pino logger (for code outside Nest's logger, such as the gateway's access log). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export type RootLogger = PinoInstance;

/** The JSON logger of a service: its name, and the current request id and trace id, on every line. */
export function createRootLogger(options: LoggingOptions): RootLogger {
  return pino({
    level: options.level,
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: traceLogFields,
  });
}

/**
 * JSON logs through pino, behind Nest's logger. No per-request HTTP middleware: the trace context
 * (AsyncLocalStorage) already puts the request on every line, and a per-request child logger cost the
 * gateway ~15% of its CPU; the gateway writes its access log from a Fastify hook instead.
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const root = createRootLogger(options);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: root, autoLogging: false }, forRoutes: [] })],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [LoggerModule, ROOT_LOGGER],
    };
  }
}
