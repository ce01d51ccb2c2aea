import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An Ed25519 key pair that signs access tokens; the public half is served as a JWK. */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn()
  kid: string;

  @Column()
  alg: string;

  @Column({ type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  @Column({ type: 'jsonb', select: false })
  privateJwk: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** After this instant the key no longer signs; it stays published until its last token expires. */
  @Column({ type: 'timestamptz' })
  signUntil: Date;

  @Column({ type: 'timestamptz' })
  publishUntil: Date;
}
