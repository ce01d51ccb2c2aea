import { PasswordPolicy, PasswordValidation } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { IdentityEnv } from '../identity.env';
import { COMMON_PASSWORDS } from './common-passwords';

@Injectable()
export class PasswordPolicyService {
  private readonly common = new Set(COMMON_PASSWORDS);

  constructor(private readonly env: IdentityEnv) {}

  get policy(): PasswordPolicy {
    return { minLength: this.env.PASSWORD_MIN_LENGTH };
  }

  validate(password: string): PasswordValidation {
    const errors: string[] = [];
    if (password.length < this.env.PASSWORD_MIN_LENGTH) {
      errors.push(`password must be at least ${this.env.PASSWORD_MIN_LENGTH} characters long`);
    }
    if (this.common.has(password.toLowerCase())) errors.push('password is too common');
    return { valid: errors.length === 0, errors };
  }
}
