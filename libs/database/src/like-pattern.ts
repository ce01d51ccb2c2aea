/**
 * `%q%` for a LIKE/ILIKE parameter, the user's text matched literally: its `%`, `_` and `\` are
 * escaped with `\` (Postgres's default LIKE escape character), so `50%_off` finds only that text.
 */
export function likePattern(q: string): string {
  return `%${q.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
}

/**
 * `column` equals the parameter `param` (`$2`, `:tenantId`), NULL matching NULL (the default tenant), spelled
 * so that an index on `column` applies: `IS NOT DISTINCT FROM` cannot use one and scans the table. With a
 * NULL parameter it plans as `column IS NULL`, otherwise as `column = param` (Postgres plans our unnamed
 * statements with their parameter values).
 */
export function nullSafeEquals(column: string, param: string): string {
  return `(${column} = ${param} OR (${column} IS NULL AND CAST(${param} AS text) IS NULL))`;
}
