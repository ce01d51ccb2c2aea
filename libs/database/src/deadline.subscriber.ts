import { ProblemException } from '@gatehouse/errors';
import { deadlineLeftMs } from '@gatehouse/logging';
import { BeforeQueryEvent, EntitySubscriberInterface, EventSubscriber } from 'typeorm';

/**
 * Stops the work of a request whose caller has stopped waiting (its deadline, carried by the NATS message,
 * has passed): its next query outside a transaction is refused with a 504 instead of being run. Queries
 * inside a transaction are left alone, so it always commits or rolls back whole.
 */
@EventSubscriber()
export class DeadlineSubscriber implements EntitySubscriberInterface {
  beforeQuery(event: BeforeQueryEvent<unknown>): void {
    if (event.queryRunner?.isTransactionActive) return;
    if (deadlineLeftMs() <= 0) throw ProblemException.timeout('The caller stopped waiting; the rest of this request was abandoned');
  }
}
