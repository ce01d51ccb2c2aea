import { AuthorizationRpc, SubjectFacts } from '@gatehouse/contracts';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger } from '@nestjs/common';
import { SERVICE } from '../service-name';

/**
 * Hands a subject's new facts (Super Admin flag, disabled) to authorization right after the commit and
 * before the caller is answered, so the very next request is decided on them. The durable
 * `identity.subject.changed` event (written in the same transaction) remains the path that never loses a
 * change; this call only removes the moment in which the event is still on its way.
 */
@Injectable()
export class SubjectFactsPublisher {
  private readonly logger = new Logger('SubjectFacts');

  constructor(private readonly rpc: RpcClient) {}

  async applyNow(facts: SubjectFacts): Promise<void> {
    await this.rpc
      .internal(SERVICE, AuthorizationRpc.applySubjectFacts, facts, undefined, RETRY_SAFE)
      .catch((error: unknown) => this.logger.warn({ err: error, subject: facts.id }, 'Authorization not told directly; the event will carry the change'));
  }
}
