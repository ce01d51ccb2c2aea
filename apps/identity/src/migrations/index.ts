import { IdentityInitial1764000000000 } from './1764000000000-identity-initial';
import { IdentityAccounts1764100000000 } from './1764100000000-identity-accounts';

export const IDENTITY_MIGRATIONS = [IdentityInitial1764000000000, IdentityAccounts1764100000000];
