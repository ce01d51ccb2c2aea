import { TestSystem } from '@gatehouse/testing';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __GATEHOUSE__?: TestSystem }).__GATEHOUSE__?.stop();
}
