import { IdentityRpc, PasswordValidation, ValidatePasswordRequest } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { PasswordPolicyService } from './password-policy';

@Controller()
export class PasswordsHandlers {
  constructor(private readonly policy: PasswordPolicyService) {}

  @RpcHandler(IdentityRpc.validatePassword)
  validate(@RpcData() request: ValidatePasswordRequest): PasswordValidation {
    return this.policy.validate(request.password);
  }
}
