import { GroupMapping, IdentityProviderType, SESSION_LIFETIME_LIMITS } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An identity provider (docs/federation.md). Its secret (bind password, client secret) is sealed apart from the settings. */
@Entity({ name: 'identity_providers' })
export class IdentityProviderEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** null: instance-wide; else the tenant id, '' for the default tenant. */
  @Column({ type: 'text', nullable: true })
  tenantKey: string | null;

  @Column('text')
  type: IdentityProviderType;

  @Column('text')
  name: string;

  @Column({ default: true })
  enabled: boolean;

  @Column({ default: false })
  jitProvisioning: boolean;

  /** A session its sign-in starts ends after this long (OIDC, SAML: docs/federation.md, deprovisioning). */
  @Column({ type: 'int', default: SESSION_LIFETIME_LIMITS.default })
  sessionLifetimeSeconds: number;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  domains: string[];

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  groupMappings: GroupMapping[];

  /** The type's settings without the secret. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  settings: Record<string, unknown>;

  @Column({ type: 'text', nullable: true, select: false })
  secretCiphertext: string | null;

  @Column({ type: 'text', nullable: true, select: false })
  secretKeyId: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
