/**
 * A value that is ready now (answered from a cache) or later (a NATS round trip). The gateway's request
 * path passes cached answers on synchronously: a promise and a microtask per step, times the steps of
 * every request, was a measurable share of the gateway's CPU.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** `next(value)` now if the value is ready, else once it is. A synchronous throw stays synchronous. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}
