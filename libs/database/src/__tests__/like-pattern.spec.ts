import { likePattern } from '../like-pattern';

describe('likePattern', () => {
  it('matches the text anywhere', () => {
    expect(likePattern('ali')).toBe('%ali%');
  });

  it("escapes the user's wildcards and the escape character itself", () => {
    expect(likePattern('50%_off')).toBe('%50\\%\\_off%');
    expect(likePattern('a\\b')).toBe('%a\\\\b%');
    expect(likePattern('')).toBe('%%');
  });
});
