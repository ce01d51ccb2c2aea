import 'reflect-metadata';
import { loadConfigOrExit } from '@gatehouse/config';
import { NATS_TRANSPORT } from '@gatehouse/messaging';
import { startGateway } from './gateway';
import { GatewayEnv } from './gateway.env';
import { RouteFileError } from './routing/route-file';

startGateway(loadConfigOrExit(GatewayEnv), { transport: NATS_TRANSPORT }).catch((error: unknown) => {
  process.stderr.write(error instanceof RouteFileError ? `${error.message}\n` : `gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
