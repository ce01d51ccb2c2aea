/** The markers (ids, names, emails) of `markers` that occur in `text`. */
export function markersIn(text: string, markers: Iterable<string>): string[] {
  const found: string[] = [];
  for (const marker of markers) if (marker && text.includes(marker)) found.push(marker);
  return found;
}

const STACK_PATTERNS: RegExp[] = [
  /\n\s+at \S/, // a V8 stack frame
  /\bat [\w$.<>]+ \(/, // `at fn (` inside one line
  /(?:\/[\w.-]+)+\.(?:ts|js|mjs|cjs):\d+/, // file paths with line numbers
  /node_modules\//,
  /\/(?:work|home|usr|opt|app)\/[\w.-]+\//, // absolute paths of the host
  /dist\/(?:apps|libs)\//,
];

/** A reason the text reveals a stack trace or server file paths, or null. */
export function stackTraceIn(text: string): string | null {
  for (const pattern of STACK_PATTERNS) {
    const match = pattern.exec(text);
    if (match) return `${pattern} matched ${JSON.stringify(match[0])}`;
  }
  return null;
}

const HEX64 = /^[0-9a-f]{64}$/i;
const API_TOKEN = /\bgh_[\w-]{43}\b/;

/**
 * Secrets a read must never return: argon2 password hashes anywhere, any field named *hash* (token
 * and password hashes, above all 64-hex SHA-256 values) and full API token secrets. Paths like
 * `results[0].tokenHash` are returned.
 */
export function secretFieldsIn(value: unknown, path = '$'): string[] {
  const found: string[] = [];
  if (typeof value === 'string') {
    if (value.includes('$argon2')) found.push(`${path}: argon2 hash`);
    if (API_TOKEN.test(value)) found.push(`${path}: API token secret`);
    return found;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => found.push(...secretFieldsIn(item, `${path}[${i}]`)));
    return found;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (/hash/i.test(key)) found.push(`${at}: a field named like a hash${typeof item === 'string' && HEX64.test(item) ? ' (64-hex)' : ''}`);
      else if (/^(password|secret|newPassword)$|Secret$/i.test(key) && typeof item === 'string' && item.length > 0) found.push(`${at}: a secret-named field with a value`);
      found.push(...secretFieldsIn(item, at));
    }
  }
  return found;
}
