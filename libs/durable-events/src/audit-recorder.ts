import { AuditEntry, auditEvent, Caller } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Outbox } from './outbox';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';

const SECRET_KEY = /password|secret|token|hash|private/i;

export type AuditInput = Omit<AuditEntry, 'actor' | 'ip' | 'at'> & { actor?: AuditEntry['actor'] };

/** Keeps only the fields that differ, and never a secret, a hash or a token. */
export function auditDiff(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})].filter((k) => !SECRET_KEY.test(k)));
  const changed = [...keys].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]));
  const pick = (source: Record<string, unknown> | null | undefined) =>
    source ? Object.fromEntries(changed.filter((k) => k in source).map((k) => [k, source[k]])) : null;
  return { before: pick(before), after: pick(after) };
}

export function actorOf(caller: Caller | null): AuditEntry['actor'] {
  if (!caller) return { type: 'ANONYMOUS', id: null };
  // A provisioning integration acts with its owner's permissions, but the change is the integration's.
  if (caller.integration) return { type: 'INTEGRATION', id: caller.integration.id };
  return { type: caller.type, id: caller.id };
}

/**
 * Records an audit entry in the caller's transaction, through the outbox, so the entry exists if and
 * only if the change committed. Tenancy consumes and stores them.
 */
@Injectable()
export class AuditRecorder {
  constructor(private readonly outbox: Outbox, @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions) {}

  async record(manager: EntityManager, caller: Caller | null, input: AuditInput): Promise<void> {
    await this.outbox.add(manager, auditEvent(this.options.service), entryOf(caller, input));
  }

  /**
   * An entry and the one-statement change it records, written by one statement: no transaction needed
   * (Outbox.addAllWith; in a transaction, as `record` after the change).
   */
  async recordWith(manager: EntityManager, caller: Caller | null, input: AuditInput, change: { sql: string; parameters: unknown[] }): Promise<void> {
    await this.outbox.addAllWith(manager, change, auditEvent(this.options.service), [entryOf(caller, input)]);
  }

  /** Several entries, in this order, written by one statement (a group's members, a batch of bindings). */
  async recordAll(manager: EntityManager, caller: Caller | null, inputs: AuditInput[]): Promise<void> {
    await this.outbox.addAll(manager, auditEvent(this.options.service), inputs.map((input) => entryOf(caller, input)));
  }
}

function entryOf(caller: Caller | null, input: AuditInput): AuditEntry {
  return {
    ...input,
    actor: input.actor ?? actorOf(caller),
    ...(caller?.impersonator ? { impersonator: { type: 'USER', id: caller.impersonator.id } } : {}),
    ...(caller?.integration ? { details: { ...input.details, integrationOwner: caller.id } } : {}),
    ip: caller?.ip ?? null,
    at: new Date().toISOString(),
  };
}
