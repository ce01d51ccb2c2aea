import { Type as ClassType } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigValidationError extends Error {}

/**
 * What a launcher adds to the environment: `defaults` stand where a variable is unset, `overrides`
 * replace it (local mode: the embedded database's URL; its own defaults for HTTP_HOST, LOG_LEVEL, ...).
 */
export interface EnvSources {
  defaults?: Record<string, string>;
  overrides?: Record<string, string>;
}

/** The environment with a launcher's defaults under it and its overrides over it (an empty variable counts as unset). */
export function environmentWith(sources: EnvSources, environment: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const set = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  return { ...sources.defaults, ...set, ...sources.overrides };
}

/**
 * Builds a typed config object from environment variables. Field initializers are the defaults, so a
 * developer machine needs no variables at all; a bad value stops start-up with a message naming it.
 */
export function validateEnv<T extends object>(type: ClassType<T>, env: Record<string, unknown> = process.env): T {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(type, present, { exposeDefaultValues: true, enableImplicitConversion: false });
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = e.property.match(/PASSWORD|SECRET|KEY/) ? '<hidden>' : JSON.stringify(env[e.property]);
      return `  ${e.property}=${shown}: ${Object.values(e.constraints ?? {}).join(', ')}`;
    });
    throw new ConfigValidationError(`Invalid configuration (environment variables):\n${lines.join('\n')}`);
  }
  return config;
}

/** `true`/`false`/`1`/`0`/`yes`/`no` → boolean; anything else is left for @IsBoolean to reject. */
export function parseBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
}
