import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadConfigOrExit } from '@gatehouse/config';
import { ProblemExceptionFilter } from '@gatehouse/errors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { GatewayAppModule } from './app.module';
import { GatewayEnv } from './gateway.env';
import { RouteRegistrar } from './routing/route-registrar';

const REQUEST_ID = /^[\w.-]{1,128}$/;

async function bootstrap(): Promise<void> {
  const env = loadConfigOrExit(GatewayEnv);
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayAppModule.register(env), adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemExceptionFilter());
  app.enableShutdownHooks();
  app.get(RouteRegistrar).register(app.getHttpAdapter().getInstance());
  await app.listen(env.PORT, env.HTTP_HOST);
  app.get(Logger).log(`Gatehouse gateway listening on http://${env.HTTP_HOST === '0.0.0.0' ? 'localhost' : env.HTTP_HOST}:${env.PORT}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
