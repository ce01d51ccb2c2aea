import { ConcurrencyGate } from '../concurrency-gate';

describe('ConcurrencyGate', () => {
  it('runs at most as many tasks at once as its gate allows, the others in arrival order, and each settles with its own outcome', async () => {
    const gate = new ConcurrencyGate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (n: number) => async () => {
      started.push(n);
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      if (n === 3) throw new Error('three failed');
      return n;
    };
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((n) => gate.run(task(n))));
    expect(most).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([1, 2, 'three failed', 4, 5, 6]);
    // every slot is free again
    expect(await Promise.all([gate.run(async () => 'a'), gate.run(async () => 'b')])).toEqual(['a', 'b']);
  });
});
