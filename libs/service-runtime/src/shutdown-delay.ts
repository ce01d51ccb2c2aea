import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

/**
 * The first step of a graceful shutdown: readiness turns false (503) while the process keeps serving
 * for `delayMs`, so a load balancer or a Kubernetes Service stops sending new connections before the
 * HTTP server closes (endpoint removal propagates in seconds). Runs as the first Nest shutdown hook:
 * onModuleDestroy comes before the server is closed and before any connection is released.
 */
@Injectable()
export class ShutdownDelay implements OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;

  constructor(private readonly delayMs: number) {}

  get draining(): boolean {
    return this.shuttingDown;
  }

  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    if (this.delayMs <= 0) return;
    this.logger.log(`Not ready; still serving for ${this.delayMs} ms before closing`);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}
