import { UserEntity } from '../users/user.entity';

/** What a directory said of a name and password (docs/federation.md). */
export type DirectoryOutcome =
  /** The directory vouched for the password: the Gatehouse user it signs in (linked, or created just in time). */
  | { kind: 'user'; user: UserEntity; providerId: string }
  /**
   * No directory asked knows the name: the password was wrong for the Gatehouse account, or there is none.
   * `unreachableProviderId`: a directory that could not be asked (audited with the failure, answered as any 401).
   */
  | { kind: 'unknown'; unreachableProviderId?: string }
  /**
   * A directory knows the name but refused the password, or the entry is disabled there, or the Gatehouse
   * user it is linked to is locked; `user`: that linked user (the failure counts towards its lockout).
   */
  | { kind: 'refused'; reason: 'invalid-credentials' | 'directory-disabled' | 'locked'; providerId: string; user: UserEntity | null };

/**
 * LDAP sign-in with the directory's password through the same form, Basic and `--user` (federation/):
 * asked by PasswordAuthenticator when the Gatehouse password does not sign the name in. It throws the
 * problems a sign-in cannot go on from (the directory of a user linked to it down: 503 naming the provider).
 */
export abstract class DirectorySignIn {
  abstract authenticate(login: string, password: string, local: UserEntity | null, ip: string | null): Promise<DirectoryOutcome>;
}
