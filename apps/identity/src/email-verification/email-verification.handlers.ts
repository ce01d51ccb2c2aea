import {
  Caller, ChangeOwnEmailRequest, EmailVerificationResult, EmailVerificationSent, IdentityRpc, MarkEmailVerifiedRequest, UserView, VerifyEmailRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RpcIp } from '../common/envelope';
import { EmailVerificationService } from './email-verification.service';

@Controller()
export class EmailVerificationHandlers {
  constructor(private readonly emails: EmailVerificationService) {}

  @RpcHandler(IdentityRpc.changeOwnEmail)
  changeOwnEmail(@RpcCaller() caller: Caller | null, @RpcData() request: ChangeOwnEmailRequest): Promise<EmailVerificationSent> {
    return this.emails.changeOwn(caller, request);
  }

  @RpcHandler(IdentityRpc.resendEmailVerification)
  resendEmailVerification(@RpcCaller() caller: Caller | null): Promise<EmailVerificationSent> {
    return this.emails.resend(caller);
  }

  @RpcHandler(IdentityRpc.cancelEmailChange)
  cancelEmailChange(@RpcCaller() caller: Caller | null): Promise<UserView> {
    return this.emails.cancelChange(caller);
  }

  @RpcHandler(IdentityRpc.verifyEmail)
  verifyEmail(@RpcData() request: VerifyEmailRequest, @RpcIp() ip: string | null): Promise<EmailVerificationResult> {
    return this.emails.verify(request.token, ip);
  }

  @RpcHandler(IdentityRpc.markEmailVerified)
  markEmailVerified(@RpcCaller() caller: Caller | null, @RpcData() request: MarkEmailVerifiedRequest): Promise<void> {
    return this.emails.markVerified(caller, request.userId, request.email);
  }
}
