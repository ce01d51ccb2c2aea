import { AuthorizationInitial1764000000000 } from './1764000000000-authorization-initial';
import { AuthorizationAccess1764100000000 } from './1764100000000-authorization-access';

export const AUTHORIZATION_MIGRATIONS = [AuthorizationInitial1764000000000, AuthorizationAccess1764100000000];
