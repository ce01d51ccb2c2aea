import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One refresh token of a session. Tokens of one login share a `familyId`; each use rotates to a new
 * token, and presenting an already-used one revokes the whole family (theft detection).
 */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  familyId: string;

  @Column('uuid')
  userId: string;

  /** SHA-256 of the opaque token; the token itself is never stored. */
  @Column()
  tokenHash: string;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** The client that signed in or refreshed (User-Agent header, cut at 512 characters). */
  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  /** How the session's sign-in authenticated the user (RFC 8176), for the access tokens a refresh issues; null = password. */
  @Column('text', { array: true, nullable: true })
  amr: string[] | null;

  /** When the session's user last presented a second factor (sign-in or step-up); access tokens carry it as `auth_time`. */
  @Column({ type: 'timestamptz', nullable: true })
  factorAt: Date | null;

  /** A federated session's end (its provider's session lifetime), kept through every rotation; null: none but the token's own expiry. */
  @Column({ type: 'timestamptz', nullable: true })
  sessionEndsAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
