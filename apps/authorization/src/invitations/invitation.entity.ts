import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An invitation to a tenant. Only the SHA-256 of its single-use token is stored. */
@Entity({ name: 'invitations' })
export class InvitationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', nullable: true })
  tenantId: string | null;

  @Column()
  email: string;

  @Column()
  tokenHash: string;

  @Column({ type: 'jsonb' })
  roles: Array<{ roleId: string; namespaces: string[] | null }>;

  @Column({ type: 'uuid', array: true })
  groupIds: string[];

  /** EXPIRED is derived from expiresAt when read. */
  @Column({ type: 'text' })
  status: 'PENDING' | 'ACCEPTED';

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'uuid', nullable: true })
  invitedBy: string | null;

  @Column({ type: 'uuid', nullable: true })
  acceptedBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
