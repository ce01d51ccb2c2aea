import { SubjectType } from '@gatehouse/contracts';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Read model of identity's subjects: what a decision needs, fed by identity events. */
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

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
