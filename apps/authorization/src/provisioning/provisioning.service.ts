import { ProvisionResult, SubjectRef } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { BindingEntity } from '../bindings/binding.entity';
import { RoleEntity } from '../roles/role.entity';
import { INSTANCE_ADMIN_ROLE, MANAGED_TENANT_ROLES, ManagedRoleDefinition } from '../catalogue/managed-roles';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { LiveTenants } from '../tenants/live-tenants';

/**
 * Creates a tenant's managed roles and its Admin binding. Idempotent (the tenancy saga may retry it):
 * serialised per tenant by an advisory lock, it adds only what is missing.
 */
@Injectable()
export class ProvisioningService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invalidation: InvalidationBus,
    private readonly liveTenants: LiveTenants,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction((m) => this.ensureRoles(m, 'INSTANCE', null, [INSTANCE_ADMIN_ROLE]));
  }

  async provisionTenant(tenantId: string | null, admin?: SubjectRef): Promise<ProvisionResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      // Live from provisioning on (not only from tenancy's later event): the creator uses it at once, and
      // the tenant write guard accepts its roles and binding. A deleted tenant stays deleted.
      const change = await this.liveTenants.mark(manager, tenantId, true);
      if (!change.live) throw ProblemException.notFound(`Tenant "${tenantId}" was deleted`);
      const roles = await this.ensureRoles(manager, 'TENANT', tenantId, MANAGED_TENANT_ROLES);
      const adminRole = roles.find((r) => r.name === 'Admin');
      if (!adminRole) throw new Error(`managed Admin role missing for tenant ${tenantId ?? '(default)'}`);
      const adminBindingId = admin ? await this.ensureBinding(manager, tenantId, adminRole, admin) : null;
      return { result: { tenantId, roles: roles.length, adminBindingId }, change };
    });
    if (!this.liveTenants.isLive(tenantId)) await this.invalidation.publishAll([result.change]);
    if (admin) await this.invalidation.publish([admin.id]);
    return result.result;
  }

  private async ensureRoles(
    manager: EntityManager,
    scope: 'TENANT' | 'INSTANCE',
    tenantId: string | null,
    definitions: ManagedRoleDefinition[],
  ): Promise<RoleEntity[]> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`authorization:provision:${scope}:${tenantId ?? ''}`]);
    const repo = manager.getRepository(RoleEntity);
    const existing = await repo.find({ where: { scope, tenantId: tenantId ?? IsNull(), managed: true } });
    const created: RoleEntity[] = [];
    for (const definition of definitions) {
      if (existing.some((r) => r.name === definition.name)) continue;
      created.push(
        await repo.save(
          repo.create({
            scope,
            tenantId,
            name: definition.name,
            description: definition.description,
            permissions: definition.permissions,
            managed: true,
          }),
        ),
      );
    }
    return [...existing, ...created];
  }

  private async ensureBinding(manager: EntityManager, tenantId: string | null, role: RoleEntity, subject: SubjectRef): Promise<string> {
    const repo = manager.getRepository(BindingEntity);
    const existing = await repo.findOne({
      where: { scope: 'TENANT', tenantId: tenantId ?? IsNull(), roleId: role.id, subjectId: subject.id, namespaces: IsNull() },
    });
    if (existing) return existing.id;
    const saved = await repo.save(
      repo.create({ scope: 'TENANT', tenantId, roleId: role.id, subjectType: subject.type, subjectId: subject.id, namespaces: null }),
    );
    return saved.id;
  }
}
