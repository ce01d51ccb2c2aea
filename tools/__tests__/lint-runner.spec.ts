// tools/lint.js is plain Node (CI runs it before anything is built)
const { runAll } = require('../lint') as {
  runAll(list: Array<[string, string[]]>, write: (text: string) => void, parallel?: number): Promise<string[]>;
};

/** `npm run lint` runs its checks side by side: it must still fail when any one of them does, and keep each one's output whole. */
describe('lint runner (tools/lint.js)', () => {
  const node = (code: string): string[] => [process.execPath, '-e', code];

  it('reports every failed check, whichever finishes first, and passes when all pass', async () => {
    const printed: string[] = [];
    const failed = await runAll(
      [
        ['slow failure', node('setTimeout(() => { console.error("slow: bad"); process.exit(2); }, 300)')],
        ['quick pass', node('console.log("quick: fine")')],
        ['quick failure', node('console.log("quick: bad"); process.exit(1)')],
        ['missing tool', ['/nonexistent/tool']],
      ],
      (text) => printed.push(text),
      2,
    );
    expect(failed.sort()).toEqual(['missing tool', 'quick failure', 'slow failure']);
    expect(printed).toContain('quick: fine\n');
    expect(printed).toContain('slow: bad\n');
    expect(printed).toContain('lint: slow failure failed\n');
    expect(await runAll([['a', node('')], ['b', node('')]], () => undefined, 2)).toEqual([]);
  });

  it("prints a check's output in one piece, not interleaved with the others' (as many at a time as asked)", async () => {
    const printed: string[] = [];
    const chatty = (tag: string) => node(`let i = 0; const t = setInterval(() => { console.log("${tag}" + i); if (++i === 5) clearInterval(t); }, 20)`);
    await runAll([['x', chatty('x')], ['y', chatty('y')]], (text) => printed.push(text), 2);
    expect(printed.sort()).toEqual(['x0\nx1\nx2\nx3\nx4\n', 'y0\ny1\ny2\ny3\ny4\n']);
  });
});
