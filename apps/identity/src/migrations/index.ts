import { IdentityInitial1764000000000 } from './1764000000000-identity-initial';

export const IDENTITY_MIGRATIONS = [IdentityInitial1764000000000];
