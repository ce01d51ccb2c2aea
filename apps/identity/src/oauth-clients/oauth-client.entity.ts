import { OAuthClientOwnerType, OAuthClientType, OAuthGrantType, OAuthScope } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An OAuth/OIDC client registered in one tenant. Only the SHA-256 of a confidential client's secret is kept. */
@Entity({ name: 'oauth_clients' })
export class OAuthClientEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The public identifier presented to the provider: random, URL-safe, unique across tenants. */
  @Column('text')
  clientId: string;

  /** The tenant id, '' for the default tenant; part of every query. */
  @Column('text')
  tenantKey: string;

  @Column('text')
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column('text')
  type: OAuthClientType;

  @Column('text')
  ownerType: OAuthClientOwnerType;

  @Column('uuid')
  ownerId: string;

  @Column('text', { array: true })
  redirectUris: string[];

  @Column('text', { array: true })
  postLogoutRedirectUris: string[];

  @Column({ type: 'text', nullable: true })
  backchannelLogoutUri: string | null;

  @Column('text', { array: true })
  grantTypes: OAuthGrantType[];

  @Column('text', { array: true })
  scopes: OAuthScope[];

  @Column({ default: false })
  firstParty: boolean;

  @Column({ type: 'text', nullable: true, select: false })
  secretHash: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  secretCreatedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'text', nullable: true })
  createdBy: string | null;
}
