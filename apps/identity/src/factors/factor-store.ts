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

/** The confirmed factors of a user, in the order a sign-in offers them (none: the user has no MFA). */
export async function confirmedFactors(manager: EntityManager, userId: string): Promise<SecondFactorKind[]> {
  const [row]: Array<{ totp: boolean; passkey: boolean; codes: boolean }> = await manager.query(
    `SELECT EXISTS (SELECT 1 FROM identity.totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp,
            EXISTS (SELECT 1 FROM identity.passkeys WHERE user_id = $1) AS passkey,
            EXISTS (SELECT 1 FROM identity.recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS codes`,
    [userId],
  );
  const factors: SecondFactorKind[] = [];
  if (row.totp) factors.push('totp');
  if (row.passkey) factors.push('passkey');
  // Recovery codes stand in for a factor, never alone: without a factor they are not offered.
  if (factors.length > 0 && row.codes) factors.push('recovery-code');
  return factors;
}

export async function totpOf(manager: EntityManager, userId: string, lock = false): Promise<TotpRow | undefined> {
  const [row]: TotpRow[] = await manager.query(
    `SELECT * FROM identity.totp_factors WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return row;
}
