import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/** An application's identity in one tenant: no password, no personal data; authenticates with API tokens. */
@Entity({ name: 'service_accounts' })
export class ServiceAccountEntity {
  /** The tenant id, '' for the default tenant; part of the key and of every query. */
  @PrimaryColumn('text')
  tenantKey: string;

  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
