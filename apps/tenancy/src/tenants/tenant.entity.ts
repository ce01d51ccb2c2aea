import { TenantStatus } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn()
  id: string;

  @Column()
  name: string;

  @Column({ type: 'text', nullable: true })
  workerGroup: string | null;

  /** PROVISIONING until every service has applied the tenant; never visible before ACTIVE. */
  @Column({ type: 'text' })
  status: TenantStatus;

  /** Who becomes Admin (user or service account), kept so a retried provisioning binds the same subject. */
  @Column({ type: 'uuid', nullable: true })
  adminSubjectId: string | null;

  @Column({ type: 'text', nullable: true })
  adminSubjectType: 'USER' | 'SERVICE_ACCOUNT' | null;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
