import { SubjectType } from '@gatehouse/contracts';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Read model of identity's subjects: what a decision needs and a user's searchable names, fed by identity events. */
@Entity({ name: 'subject_facts' })
export class SubjectFactEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  type: SubjectType;

  @Column()
  superAdmin: boolean;

  @Column()
  disabled: boolean;

  @Column('integer')
  version: number;

  /** A user's names, searched by a tenant's user list (`tenant-access?q=`); null for service accounts. */
  @Column({ type: 'text', nullable: true })
  username: string | null;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text', nullable: true })
  displayName: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
