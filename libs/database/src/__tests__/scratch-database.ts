import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

// The development Postgres directly: @gatehouse/testing's createServiceDatabase builds on this lib.
const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one spec of this lib: `create` answers its URL, `drop` removes it. */
export function scratchDatabase(prefix: string): { create(): Promise<string>; drop(): Promise<void> } {
  const name = `gatehouse_unit_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: SERVER });
  return {
    async create() {
      await admin.initialize();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(SERVER);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async drop() {
      if (!admin.isInitialized) return;
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    },
  };
}
