import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's provisioning integration (SCIM). Only the SHA-256 of its bearer secret is kept. */
@Entity({ name: 'integrations' })
export class IntegrationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The tenant id, '' for the default tenant; part of every query. */
  @Column('text')
  tenantKey: string;

  @Column('text')
  name: string;

  @Column({ default: true })
  enabled: boolean;

  /** The admin whose permissions the integration acts with (who created it or last rotated its secret). */
  @Column('uuid')
  ownerId: string;

  @Column({ type: 'text', select: false })
  secretHash: string;

  @Column('text')
  secretPrefix: string;

  @Column({ type: 'timestamptz' })
  secretCreatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
