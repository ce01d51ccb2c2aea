import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from '@gatehouse/contracts';
import { JetStreamManager, nanos, RetentionPolicy, StorageType } from 'nats';

/** How long the events stream keeps an event: also how long a consumer could still be handed it. */
export const EVENTS_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/**
 * Creates the events stream if it is missing (every service calls this at start; racing is fine), with
 * `replicas` copies (JETSTREAM_REPLICAS: 3 on a 3-node cluster, so it survives the loss of a node). An
 * existing stream with fewer replicas is raised to `replicas`.
 */
export async function ensureEventsStream(jsm: JetStreamManager, replicas = 1): Promise<void> {
  let existing;
  try {
    existing = await jsm.streams.info(EVENTS_STREAM);
  } catch {
    // missing: create below
  }
  if (existing) {
    if (existing.config.num_replicas < replicas) await jsm.streams.update(EVENTS_STREAM, { ...existing.config, num_replicas: replicas });
    return;
  }
  try {
    await jsm.streams.add({
      name: EVENTS_STREAM,
      subjects: [`${EVENTS_SUBJECT_PREFIX}>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(EVENTS_MAX_AGE_MS),
      duplicate_window: nanos(5 * 60 * 1000),
      num_replicas: replicas,
    });
  } catch (error) {
    if (!String((error as Error).message).includes('already in use')) throw error;
  }
}
