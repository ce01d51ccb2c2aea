import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { ConcurrencyGate } from '@gatehouse/service-runtime';
import { Injectable } from '@nestjs/common';

/** OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /**
   * One argon2 computation per core (the unknown-account verify included, so it still costs the same): the hashes
   * run on libuv's pool (4 threads), and more of them at once than there are cores only interleave memory-hard
   * work (19 MiB each) on the same cores, each then costing more CPU.
   */
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
