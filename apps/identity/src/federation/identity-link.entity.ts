import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type LinkOrigin = 'ADMIN' | 'VERIFIED_EMAIL' | 'JIT';

/** A user's account at an identity provider: who signs in when the provider vouches for `externalId`. */
@Entity({ name: 'identity_links' })
export class IdentityLinkEntity {
  @PrimaryColumn('uuid')
  providerId: string;

  @PrimaryColumn('text')
  externalId: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  linkedBy: LinkOrigin;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastSignInAt: Date | null;
}
