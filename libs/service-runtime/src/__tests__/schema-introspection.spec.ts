import { ListGroupsRequest, MAX_PAGE, PutUserSettingsRequest, UpdateGroupRequest, UpdateTenantRequest } from '@gatehouse/contracts';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { IsString } from 'class-validator';
import { SchemaIntrospection } from '../schema-introspection';

/** A validated class no handler takes, like a service's environment: not part of the API. */
class SecretServiceEnv {
  @IsString()
  SIGNING_KEY_PASSPHRASE: string;
}

class GroupHandlers {
  @MessagePattern('test.groups.list.v1')
  list(request: ListGroupsRequest) {
    return request;
  }

  @MessagePattern('test.groups.update.v1')
  update(request: UpdateGroupRequest) {
    return request;
  }

  @MessagePattern('test.tenants.update.v1')
  updateTenant(request: UpdateTenantRequest) {
    return request;
  }

  @MessagePattern('test.settings.put.v1')
  putSettings(request: PutUserSettingsRequest) {
    return request;
  }
}

type Schema = { required?: string[]; properties: Record<string, Record<string, unknown>> };

function schemasOf(): Record<string, Schema> {
  const discovery = { getControllers: () => [{ instance: new GroupHandlers() }] } as unknown as DiscoveryService;
  return new SchemaIntrospection(discovery, new MetadataScanner()).schemas('test').schemas as Record<string, Schema>;
}

describe('SchemaIntrospection', () => {
  it('publishes the bounds of every list: page has a maximum', () => {
    const page = schemasOf().ListGroupsRequest.properties.page;
    expect(page).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_PAGE });
  });

  it('says which fields admit null (OptionalOrNull) and keeps the others non-null and optional', () => {
    const update = schemasOf().UpdateGroupRequest;
    expect(update.required).toEqual(['id']);
    expect(update.properties.description).toMatchObject({ type: ['string', 'null'], maxLength: 1000 });
    expect(update.properties.name).toMatchObject({ type: 'string', minLength: 1 });
    expect(update.properties.name.type).not.toContain('null');
    const tenant = schemasOf().UpdateTenantRequest;
    expect(tenant.properties.workerGroup).toMatchObject({ type: ['string', 'null'] });
    expect(tenant.properties.name.type).toBe('string');
    expect(JSON.stringify(tenant)).not.toContain('x-admits-null');
  });

  it('adds null to the enum of a nullable choice, and keeps non-null nested objects a plain reference', () => {
    const settings = schemasOf().PutUserSettingsRequest.properties;
    expect(settings.theme).toEqual({ type: ['string', 'null'], enum: ['light', 'dark', 'system', null] });
    expect(settings.editor).toEqual({ $ref: '#/components/schemas/EditorPreferences', type: 'object' });
  });

  it('describes a field with a custom rule (IsIanaTimeZone) by its other rules, never as a reference to "Object"', () => {
    expect(schemasOf().PutUserSettingsRequest.properties.timezone).toEqual({ type: ['string', 'null'], maxLength: 64 });
  });

  it('publishes only the request DTOs and what they reference, not every validated class (a service env)', () => {
    const names = Object.keys(schemasOf());
    expect(new SecretServiceEnv()).toBeDefined();
    expect(names).not.toContain('SecretServiceEnv');
    expect(names).toEqual(expect.arrayContaining(['ListGroupsRequest', 'PutUserSettingsRequest', 'EditorPreferences']));
  });
});
