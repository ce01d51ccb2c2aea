import { UserStatus } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column()
  username: string;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text', nullable: true })
  firstName: string | null;

  @Column({ type: 'text', nullable: true })
  lastName: string | null;

  @Column({ type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @Column({ default: false })
  superAdmin: boolean;

  /** Whether the user may sign in with a Gatehouse password; false: only through an identity provider (docs/federation.md). */
  @Column({ default: true })
  passwordSignIn: boolean;

  @Column({ type: 'text', default: 'ACTIVE' })
  status: UserStatus;

  /** Set by an admin-requested reset: the user must set a new password before signing in again. */
  @Column({ default: false })
  mustChangePassword: boolean;

  /** The user proved they receive mail at `email` (docs/accounts.md). */
  @Column({ default: false })
  emailVerified: boolean;

  /** An email change waiting for its confirmation link. */
  @Column({ type: 'text', nullable: true })
  pendingEmail: string | null;

  @Column({ type: 'integer', default: 0, select: false })
  failedLoginCount: number;

  @Column({ type: 'timestamptz', nullable: true, select: false })
  failedLoginWindowStart: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** Incremented on every change; read models apply a fact only when it is newer. */
  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
