import { DynamicModule, Module, Type } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { ConfigValidationError, EnvSources, environmentWith, validateEnv } from './validate-env';

/**
 * Reads `.env` from the working directory if there is one (real environment variables win),
 * validates the environment against `envClass`, and exits with a message naming every bad variable.
 */
export function loadConfigOrExit<T extends object>(envClass: Type<T>, sources: EnvSources = {}): T {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return validateEnv(envClass, environmentWith(sources));
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Provides the validated config object, injectable by its class, to the whole application. */
@Module({})
export class GatehouseConfigModule {
  static forRoot<T extends object>(envClass: Type<T>, config: T): DynamicModule {
    return {
      module: GatehouseConfigModule,
      global: true,
      providers: [{ provide: envClass, useValue: config }],
      exports: [envClass],
    };
  }
}
