import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { acceptRequestId, traceLogFields } from './trace-context';

export interface LoggingOptions {
  service: string;
  level: string;
  /** Log every HTTP request (the gateway); services log only their health port, so they leave it off. */
  httpRequests?: boolean;
}

/** Secrets that must never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.newPassword',
  '*.oldPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/** JSON logs through pino with the service name on every line. */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.level,
            base: { service: options.service },
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            autoLogging: options.httpRequests ?? false,
            mixin: traceLogFields,
            genReqId: (req) => {
              const given = req.headers['x-request-id'];
              return acceptRequestId(typeof given === 'string' ? given : undefined);
            },
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
