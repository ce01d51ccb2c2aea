import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A long-lived credential of a user or a service account. Only the SHA-256 of the secret is kept. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  /** Tenant key of the owning service account ('' = default tenant); null for a user's token. */
  @Column({ type: 'text', nullable: true })
  saTenantKey: string | null;

  @Column({ type: 'uuid', nullable: true })
  serviceAccountId: string | null;

  @Column('text')
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column('text')
  prefix: string;

  @Column({ type: 'text', select: false })
  tokenHash: string;

  @Column({ type: 'text', nullable: true })
  maxAge: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  maxAgeSeconds: number | null;

  @Column({ default: false })
  extended: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
