import { SecondFactorKind } from '@gatehouse/contracts';
import { EntityManager } from 'typeorm';

export interface TotpRow {
  user_id: string;
  secret_ciphertext: string;
  key_id: string;
  confirmed_at: Date | null;
  last_time_step: string | null;
  last_used_at: Date | null;
  created_at: Date;
}

export interface FactorFlags {
  totp: boolean;
  passkey: boolean;
  codes: boolean;
}

/** The select list of what `factorsOfFlags` reads, for the user `userId` (a parameter or a column), in any statement. */
export const factorFlagsSql = (userId: string): string =>
  `EXISTS (SELECT 1 FROM identity.totp_factors WHERE user_id = ${userId} AND confirmed_at IS NOT NULL) AS totp,
   EXISTS (SELECT 1 FROM identity.passkeys WHERE user_id = ${userId}) AS passkey,
   EXISTS (SELECT 1 FROM identity.recovery_codes WHERE user_id = ${userId} AND used_at IS NULL) AS codes`;

/** The confirmed factors those flags say, in the order a sign-in offers them (none: the user has no MFA). */
export function factorsOfFlags(row: FactorFlags): SecondFactorKind[] {
  const factors: SecondFactorKind[] = [];
  if (row.totp) factors.push('totp');
  if (row.passkey) factors.push('passkey');
  // Recovery codes stand in for a factor, never alone: without a factor they are not offered.
  if (factors.length > 0 && row.codes) factors.push('recovery-code');
  return factors;
}

/** The confirmed factors of a user, in the order a sign-in offers them (none: the user has no MFA). */
export async function confirmedFactors(manager: EntityManager, userId: string): Promise<SecondFactorKind[]> {
  const [row]: FactorFlags[] = await manager.query(`SELECT ${factorFlagsSql('$1')}`, [userId]);
  return factorsOfFlags(row);
}

export async function totpOf(manager: EntityManager, userId: string, lock = false): Promise<TotpRow | undefined> {
  const [row]: TotpRow[] = await manager.query(
    `SELECT * FROM identity.totp_factors WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return row;
}
