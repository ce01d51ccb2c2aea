import { FieldError, MAX_NESTING_DEPTH, nestsDeeperThan, unstorableTextFields } from '@gatehouse/contracts';
import { ArgumentMetadata, Injectable, PipeTransform, Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { ProblemException } from './problem.exception';

/** Flattens nested class-validator errors into dotted field paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? `unknown field ${field}` : message,
    }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * Validates `value` against a contracts DTO class: unknown fields are refused, types are converted
 * only where a DTO asks for it (@Type), and a failure is a 400 problem naming every bad field. Before the
 * DTO's rules, those of every request (libs/contracts input-rules): no JSON nested deeper than
 * MAX_NESTING_DEPTH, no text a service cannot store.
 */
export async function validateDto<T extends object>(type: Type<T>, value: unknown): Promise<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ProblemException.badRequest('The request body must be a JSON object');
  }
  assertNestingWithinLimit(value);
  const unstorable = unstorableTextFields(value);
  if (unstorable.length > 0) throw ProblemException.validation(unstorable);
  const inherited = inheritedKeys(value);
  if (inherited.length > 0) throw ProblemException.validation(inherited.map((field) => ({ field, message: `unknown field ${field}` })));
  const instance = plainToInstance(type, value) as T;
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw ProblemException.validation(toFieldErrors(errors));
  return instance;
}

/** A 400 for JSON nested deeper than MAX_NESTING_DEPTH, before anything walks it recursively (encoders, validators). */
export function assertNestingWithinLimit(value: unknown): void {
  if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) {
    throw ProblemException.badRequest(`The request nests objects and arrays deeper than ${MAX_NESTING_DEPTH} levels`);
  }
}

/** Names every plain object inherits (`constructor`, `hasOwnProperty`, ...): class-validator's whitelist takes them for declared fields. */
const OBJECT_MEMBERS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Paths of keys in a JSON value that shadow an Object.prototype member, e.g. `bindings[0].constructor`. */
export function inheritedKeys(value: unknown, parent = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => inheritedKeys(item, `${parent}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const field = parent ? `${parent}.${key}` : key;
    return OBJECT_MEMBERS.has(key) ? [field] : inheritedKeys((value as Record<string, unknown>)[key], field);
  });
}

const PRIMITIVES: unknown[] = [String, Number, Boolean, Object, Array];

/** Pipe form of validateDto for handler parameters whose declared type is a DTO class. */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (!type || PRIMITIVES.includes(type) || metadata.type !== 'custom') return value;
    return validateDto(type as Type<object>, value ?? {});
  }
}
