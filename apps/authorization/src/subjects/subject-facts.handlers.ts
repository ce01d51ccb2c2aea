import { AuthorizationRpc, SubjectFacts } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SubjectFactsService } from './subject-facts.service';

@Controller()
export class SubjectFactsHandlers {
  constructor(private readonly facts: SubjectFactsService) {}

  @RpcHandler(AuthorizationRpc.applySubjectFacts)
  async apply(@RpcData() request: SubjectFacts): Promise<void> {
    await this.facts.applyNow(request);
  }
}
