import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

/** OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most `limit` tasks at once, the others waiting in arrival order. The argon2 hashes run on libuv's
 * pool (4 threads): more of them at once than there are cores only interleave memory-hard work (19 MiB
 * each) on the same cores, and each then costs more CPU.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot goes to the next waiting task, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

@Injectable()
export class PasswordHasher {
  /** One argon2 computation per core (the unknown-account verify included, so it still costs the same). */
  private readonly gate = new ConcurrencyGate(Math.max(1, availableParallelism()));

  /** Verified against when no account matches, so an unknown username costs the same time as a wrong password. */
  private readonly dummyHash = this.gate.run(() => hash('gatehouse-timing-equaliser', ARGON2_OPTIONS));

  hash(password: string): Promise<string> {
    return this.gate.run(() => hash(password, ARGON2_OPTIONS));
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (!passwordHash) {
      const dummy = await this.dummyHash;
      await this.gate.run(() => verify(dummy, password)).catch(() => false);
      return false;
    }
    return this.gate.run(() => verify(passwordHash, password)).catch(() => false);
  }
}
