import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { KvEntry, NatsError } from 'nats';

interface Stored {
  value: string;
  revision: number;
  created: number;
  operation: KvEntry['operation'];
}

/**
 * A JetStream key-value bucket with the semantics the idempotency records rely on: `create` fails when
 * the key holds a live value, `update` fails unless the given revision is the latest, entries expire
 * `ttl` after their last write. Saved shortly after each change when a folder is given.
 */
export class InProcessKv {
  private readonly logger = new Logger('InProcessKv');
  private readonly entries = new Map<string, Stored>();
  private revision = 0;
  private readonly ttlMs: number;
  private readonly file?: string;
  private saveTimer?: NodeJS.Timeout;

  /** `ttlMs` as in the client's KvOptions: milliseconds, 0 = forever. */
  constructor(readonly bucket: string, ttlMs: number, dir?: string) {
    this.ttlMs = ttlMs;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${bucket.replace(/[^\w-]/g, '_')}.json`);
    if (existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { revision: number; entries: Record<string, Stored> };
      this.revision = saved.revision;
      for (const [key, entry] of Object.entries(saved.entries)) if (!this.expired(entry)) this.entries.set(key, entry);
    }
  }

  async get(key: string): Promise<KvEntry | null> {
    const entry = this.live(key);
    return entry ? this.view(key, entry) : null;
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.write(key, value, 'PUT');
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    const current = this.live(key);
    if (current && current.operation === 'PUT') throw new NatsError(`wrong last sequence: ${current.revision}`, '400');
    return this.write(key, value, 'PUT');
  }

  async update(key: string, value: Uint8Array, version: number): Promise<number> {
    const current = this.live(key);
    if ((current?.revision ?? 0) !== version) throw new NatsError(`wrong last sequence: ${current?.revision ?? 0}`, '400');
    return this.write(key, value, 'PUT');
  }

  async delete(key: string): Promise<void> {
    this.write(key, new Uint8Array(0), 'DEL');
  }

  async purge(key: string): Promise<void> {
    this.write(key, new Uint8Array(0), 'PURGE');
  }

  close(): void {
    this.save();
  }

  private write(key: string, value: Uint8Array, operation: KvEntry['operation']): number {
    this.revision += 1;
    this.entries.set(key, { value: Buffer.from(value).toString('base64'), revision: this.revision, created: Date.now(), operation });
    if (this.file && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        try {
          this.save();
        } catch (error) {
          this.logger.warn({ err: error, bucket: this.bucket }, 'Could not save a key-value bucket; will retry on the next change');
        }
      }, 200);
      this.saveTimer.unref();
    }
    return this.revision;
  }

  private live(key: string): Stored | undefined {
    const entry = this.entries.get(key);
    if (entry && this.expired(entry)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expired(entry: Stored): boolean {
    return this.ttlMs > 0 && Date.now() - entry.created > this.ttlMs;
  }

  private view(key: string, entry: Stored): KvEntry {
    const value = new Uint8Array(Buffer.from(entry.value, 'base64'));
    return {
      bucket: this.bucket,
      key,
      value,
      created: new Date(entry.created),
      revision: entry.revision,
      delta: 0,
      operation: entry.operation,
      length: value.length,
      json: <T>() => JSON.parse(new TextDecoder().decode(value)) as T,
      string: () => new TextDecoder().decode(value),
    };
  }

  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    for (const [key, entry] of this.entries) if (this.expired(entry)) this.entries.delete(key);
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ revision: this.revision, entries: Object.fromEntries(this.entries) }));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
