import { ISO_DURATION_PATTERN } from '@gatehouse/contracts';

const DAY = 24 * 3600;
/** Calendar units are approximated (a year is 365 days, a month 30): token lifetimes need no calendar. */
const UNIT_SECONDS = { Y: 365 * DAY, Mo: 30 * DAY, W: 7 * DAY, D: DAY, H: 3600, Mi: 60, S: 1 } as const;

/** Seconds of an ISO-8601 duration such as `P30D` or `PT1H30M`; null if it is not one. */
export function durationSeconds(duration: string): number | null {
  const match = ISO_DURATION_PATTERN.exec(duration);
  if (!match) return null;
  const n = (part: string | undefined) => (part ? Number(part.slice(0, -1)) : 0);
  const [, y, mo, w, d, , h, mi, s] = match;
  return (
    n(y) * UNIT_SECONDS.Y + n(mo) * UNIT_SECONDS.Mo + n(w) * UNIT_SECONDS.W + n(d) * UNIT_SECONDS.D +
    n(h) * UNIT_SECONDS.H + n(mi) * UNIT_SECONDS.Mi + n(s) * UNIT_SECONDS.S
  );
}
