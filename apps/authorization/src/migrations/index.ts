import { AuthorizationInitial1764000000000 } from './1764000000000-authorization-initial';

export const AUTHORIZATION_MIGRATIONS = [AuthorizationInitial1764000000000];
