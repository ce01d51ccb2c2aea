import { SmtpCatcher, TestSystem, UpstreamEcho } from '@gatehouse/testing';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __GATEHOUSE__?: TestSystem }).__GATEHOUSE__?.stop();
  await (globalThis as { __GATEHOUSE_SMTP__?: SmtpCatcher }).__GATEHOUSE_SMTP__?.stop();
  await (globalThis as { __GATEHOUSE_UPSTREAM__?: UpstreamEcho }).__GATEHOUSE_UPSTREAM__?.stop();
}
