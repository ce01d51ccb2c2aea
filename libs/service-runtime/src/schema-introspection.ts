import { schemasRpc, ServiceSchemas } from '@gatehouse/contracts';
import { Controller, DynamicModule, Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { getMetadataStorage, IS_OPTIONAL, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
const { defaultMetadataStorage } = require('class-transformer/cjs/storage');

/**
 * Reads, from the handlers themselves, which request DTO each NATS subject validates, and serves their
 * JSON Schemas so the gateway can publish an OpenAPI document generated from the code.
 */
@Injectable()
export class SchemaIntrospection {
  private result?: ServiceSchemas;

  constructor(private readonly discovery: DiscoveryService, private readonly scanner: MetadataScanner) {}

  schemas(service: string): ServiceSchemas {
    this.result ??= this.collect(service);
    return this.result;
  }

  private collect(service: string): ServiceSchemas {
    const requests: Record<string, string> = {};
    const dtos = new Map<string, unknown>();
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const patterns = Reflect.getMetadata(PATTERN_METADATA, prototype[method]) as unknown[] | undefined;
        if (!patterns) continue;
        const paramTypes = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as Array<{ name?: string }>;
        const dto = paramTypes.find((type) => hasValidation(type));
        if (dto?.name) dtos.set(dto.name, dto);
        for (const pattern of patterns) {
          if (typeof pattern !== 'string' || pattern === schemasRpc(service).subject) continue;
          requests[pattern] = dto?.name ?? 'Empty';
        }
      }
    }
    const all = validationMetadatasToSchemas({
      classTransformerMetadataStorage: defaultMetadataStorage,
      refPointerPrefix: '#/components/schemas/',
      additionalConverters: {
        [ValidationTypes.CONDITIONAL_VALIDATION]: (meta) => (meta.name === IS_OPTIONAL ? { [ADMITS_NULL]: true } : {}),
        // Optional's refusal of null: every property's type already excludes null unless ADMITS_NULL adds it.
        [ValidationTypes.IS_DEFINED]: {},
        // A custom rule (IsIanaTimeZone) adds nothing to the type the property's other rules give; by default
        // the design type of `string | null` (Object) became a reference to a schema named Object.
        [ValidationTypes.CUSTOM_VALIDATION]: {},
      },
    }) as Record<string, JsonObjectSchema>;
    const schemas: Record<string, unknown> = { Empty: { type: 'object', properties: {}, additionalProperties: false } };
    for (const [name, schema] of Object.entries(all)) schemas[name] = { ...withNullableProperties(schema), additionalProperties: false };
    // A DTO that only extends another (e.g. `ListRolesRequest extends PageQuery {}`) has no schema of its own.
    for (const [name, dto] of dtos) {
      for (let parent = Object.getPrototypeOf(dto); !schemas[name] && parent?.name; parent = Object.getPrototypeOf(parent)) {
        if (schemas[parent.name]) schemas[name] = schemas[parent.name];
      }
    }
    return { service, requests, schemas: reachableFrom(new Set(Object.values(requests)), schemas) };
  }
}

/**
 * Only the request DTOs and the schemas they reference: class-validator's storage also holds the
 * service's validated environment (e.g. IdentityEnv), whose variable names are no business of the API.
 */
function reachableFrom(roots: Set<string>, schemas: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (kept[name] || !schemas[name]) continue;
    kept[name] = schemas[name];
    for (const [, ref] of JSON.stringify(schemas[name]).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) pending.push(ref);
  }
  return kept;
}

type JsonObjectSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/** Marks, while converting, a property whose validation is skipped for null (@IsOptional, i.e. OptionalOrNull). */
const ADMITS_NULL = 'x-admits-null';

/** The schema of each property class-validator lets null through says so, as OpenAPI 3.1 does: `type: [..., 'null']`. */
function withNullableProperties(schema: JsonObjectSchema): JsonObjectSchema {
  const properties = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    if (!property[ADMITS_NULL]) return [name, property];
    const { [ADMITS_NULL]: _, ...rest } = property;
    if (typeof rest.type === 'string') {
      return [name, { ...rest, type: [rest.type, 'null'], ...(Array.isArray(rest.enum) ? { enum: [...rest.enum, null] } : {}) }];
    }
    return [name, { anyOf: [rest, { type: 'null' }] }];
  });
  return schema.properties ? { ...schema, properties: Object.fromEntries(properties) } : schema;
}

function hasValidation(type: unknown): boolean {
  if (typeof type !== 'function') return false;
  return getMetadataStorage().getTargetValidationMetadatas(type as new () => object, '', true, false).length > 0;
}

/** Serves `<service>.introspection.schemas.v1` for one service; added to every service by bootstrapService. */
@Module({})
export class IntrospectionModule {
  static forService(service: string): DynamicModule {
    @Controller()
    class IntrospectionHandlers {
      constructor(private readonly introspection: SchemaIntrospection) {}

      @MessagePattern(schemasRpc(service).subject)
      schemas(): ServiceSchemas {
        return this.introspection.schemas(service);
      }
    }
    return { module: IntrospectionModule, imports: [DiscoveryModule], controllers: [IntrospectionHandlers], providers: [SchemaIntrospection] };
  }
}
