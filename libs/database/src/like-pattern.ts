/**
 * `%q%` for a LIKE/ILIKE parameter, the user's text matched literally: its `%`, `_` and `\` are
 * escaped with `\` (Postgres's default LIKE escape character), so `50%_off` finds only that text.
 */
export function likePattern(q: string): string {
  return `%${q.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
}
