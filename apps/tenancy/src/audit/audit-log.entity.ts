import { AuditType } from '@gatehouse/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One stored audit entry; the table is append-only (a trigger refuses UPDATE and DELETE). */
@Entity({ name: 'audit_logs' })
export class AuditLogEntity {
  /** The event id: storing it as the key makes a redelivered event a no-op. */
  @PrimaryColumn('uuid')
  id: string;

  @Column()
  source: string;

  @Column({ type: 'text' })
  scope: 'INSTANCE' | 'TENANT';

  @Column({ type: 'text', nullable: true })
  tenantId: string | null;

  @Column({ type: 'text' })
  type: AuditType;

  @Column()
  resourceType: string;

  @Column({ type: 'text', nullable: true })
  resourceId: string | null;

  @Column()
  actorType: string;

  @Column({ type: 'text', nullable: true })
  actorId: string | null;

  @Column({ type: 'text', nullable: true })
  actorUsername: string | null;

  /** The user who acted through an impersonation of the actor (null: no impersonation). */
  @Column({ type: 'text', nullable: true })
  impersonatorId: string | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;
}
