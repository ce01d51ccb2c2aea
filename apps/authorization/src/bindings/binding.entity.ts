import { Scope } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type BindingSubjectType = 'USER' | 'SERVICE_ACCOUNT' | 'GROUP';

/** Role → subject in a tenant (or at instance level), optionally limited to namespaces. Immutable. */
@Entity({ name: 'bindings' })
export class BindingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  scope: Scope;

  @Column({ type: 'text', nullable: true })
  tenantId: string | null;

  @Column('uuid')
  roleId: string;

  @Column({ type: 'text' })
  subjectType: BindingSubjectType;

  @Column('uuid')
  subjectId: string;

  /** null = tenant-wide. */
  @Column({ type: 'text', array: true, nullable: true })
  namespaces: string[] | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
