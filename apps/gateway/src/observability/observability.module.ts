import { Module } from '@nestjs/common';
import { AccessLog } from './access-log';
import { GatewayMetrics } from './metrics';
import { RequestObserver } from './request-observer';

/** Metrics (/metrics) and the access log, written once a response is sent. Needs the root logger (global). */
@Module({
  providers: [GatewayMetrics, AccessLog, RequestObserver],
  exports: [GatewayMetrics, RequestObserver],
})
export class ObservabilityModule {}
