import type { FieldError } from '@gatehouse/contracts';
import type { ApiError } from '../api/client';

/**
 * The one place where a problem+json answer (RFC 9457, with its `errors[]` of field and message) becomes
 * what a person reads: a plain headline for the problem, and plain messages placed on the fields a form
 * shows. Every message is shown once: on its field when the form shows that field, else in the problem box
 * (named by the field's label); a validation problem's `detail`, which only repeats its errors, is left out.
 */

/** Whether `field` is `name` or lies under it (`permissions.FLOW[0]` under `permissions`). */
export function isUnder(field: string, name: string): boolean {
  return field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`);
}

const capitalise = (text: string) => (text ? text[0].toUpperCase() + text.slice(1) : text);
const sentence = (text: string) => {
  const trimmed = capitalise(text.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

/** class-validator's wording (after the property name) and the project's own, in plain language. */
const PLAIN: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^(?:should|must) not be empty$|^must be longer than or equal to 1 characters?$|^must contain at least 1 elements?$/, () => 'This is required.'],
  [/^must be longer than or equal to (\d+) characters$/, (m) => `Use at least ${m[1]} characters.`],
  [/^must be shorter than or equal to (\d+) characters$/, (m) => `Use at most ${m[1]} characters.`],
  [/^must contain (?:not )?(?:at least|no more than) (\d+) elements$/, (m) => `Choose ${m[0].includes('no more') ? 'at most' : 'at least'} ${m[1]}.`],
  [/^must be an email$/, () => 'Enter an email address, such as name@example.com.'],
  [/^must be a UUID$/, () => 'Choose one from the list.'],
  [/^must be one of the following values: (.*)$/, (m) => `Choose one of: ${m[1]}.`],
  [/^must not be greater than (\S+)$/, (m) => `Use ${m[1]} or less.`],
  [/^must not be less than (\S+)$/, (m) => `Use ${m[1]} or more.`],
  [/^must be an integer number$|^must be a number.*$/, () => 'Enter a whole number.'],
  [/^must be a URL address$/, () => 'Enter a full address, such as https://app.example.com/callback.'],
  [/^must be a valid ISO 8601 date string$/, () => 'Enter a date and time.'],
  [/^must be a valid IANA time zone.*$|^must be a valid time zone.*$/, () => 'Choose a time zone from the list, such as Europe/Paris.'],
  [/^must be a DNS label: (.*)$/, (m) => `Use ${m[1]}.`],
  [/^must be (\d+-\d+) characters of (.*)$/, (m) => `Use ${m[1]} ${m[2]}.`],
  [/^must be an ISO-8601 duration.*$/, () => 'Enter a duration such as P30D (30 days) or PT12H (12 hours).'],
  [/^must be dotted segments.*$/, () => 'Use dotted segments of letters, digits, _ and -, such as company.team.'],
  [/^must match .* regular expression$/, () => 'This is not in the expected format.'],
  [/^must not contain NUL characters or unpaired UTF-16 surrogates$/, () => 'Remove the invisible control characters.'],
  [/^must not be null; omit it instead$/, () => 'Leave it empty instead.'],
  [/^must be a (?:string|boolean value|array|object)$|^must be an (?:array|object)$/, () => 'This value is not accepted here.'],
];

/** A field error's message in plain words: without the developer's property name, as a sentence. */
export function plainMessage({ field, message }: FieldError): string {
  if (message.startsWith('unknown field')) return 'This is not accepted here.';
  const property = field.replace(/\[\d+\]/g, '').split('.').pop() ?? field;
  let rest = message.trim();
  // A property named in capitals is a name people know (the permission FLOW), not a developer's.
  const prefixes = /^[a-z]/.test(property) ? [`each value in ${field} `, `each value in ${property} `, `${field} `, `${property} `, 'each namespace '] : [];
  for (const prefix of prefixes) {
    if (rest.startsWith(prefix)) {
      rest = rest.slice(prefix.length);
      break;
    }
  }
  // Another property's name before its rule ("id must be ..." for the field `tenant`).
  rest = rest.replace(/^[a-z][A-Za-z0-9]* (?=(must|should) )/, '');
  for (const [pattern, say] of PLAIN) {
    const m = rest.match(pattern);
    if (m) return say(m);
  }
  return sentence(rest);
}

/** The plain messages for one field of a form (and the fields under it), each once. */
export function fieldMessages(error: ApiError | null | undefined, name: string): string[] {
  if (!error) return [];
  return [...new Set(error.fieldErrors.filter((e) => isUnder(e.field, name)).map(plainMessage))];
}

/** `editor.fontSize` → "Editor font size", `groupIds[0]` → "Group ids": the name of a field no input shows. */
export function fieldLabel(field: string): string {
  const words = field
    .replace(/\[\d+\]/g, '')
    .split('.')
    .join(' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return capitalise(words.replace(/\bid(s?)\b/g, (_w, s: string) => `ID${s}`));
}

const HEADLINES: Record<number, string> = {
  0: 'The server cannot be reached. Check your connection and try again.',
  400: 'This was not accepted.',
  401: 'You are not signed in, or your session has ended.',
  403: 'You are not allowed to do this.',
  404: 'This was not found: it may have been deleted, or it is out of your reach.',
  409: 'This clashes with something that exists already.',
  413: 'This is too large.',
  415: 'This was not accepted.',
  422: 'This was not accepted.',
  423: 'This account is locked.',
  429: 'Too many attempts.',
  503: 'The service is not available right now. Try again in a moment.',
  504: 'The service took too long to answer. Try again in a moment.',
};

/** Titles a server gives that say nothing a headline does not (HTTP reason phrases and generic ones). */
const GENERIC = /^(bad request|unauthorized|forbidden|not found|conflict|error|validation failed|unprocessable (content|entity)|too many requests|locked|internal server error|service unavailable|gateway timeout|network error|not found: .*|the server answered \d+|the request is not valid)$/i;

export interface ExplainedProblem {
  headline: string;
  /** What the server said beyond the headline (its `detail`), when it adds something. */
  detail: string | null;
  /** Errors of fields no input of the form shows, named by their label. */
  loose: Array<{ label: string; message: string }>;
}

/**
 * A problem in plain words. `shown` are the fields the form shows (their errors go there, not here).
 * Field errors make the headline "Check the marked fields"; a 403 naming a missing permission says
 * which; a 429 says when to try again.
 */
export function explainProblem(error: ApiError, shown: string[] = []): ExplainedProblem {
  const { problem } = error;
  const errors = error.fieldErrors;
  const loose = errors
    .filter((e) => !shown.some((f) => isUnder(e.field, f)))
    .map((e) => ({ label: e.field ? fieldLabel(e.field) : '', message: plainMessage(e) }));
  const uniqueLoose = loose.filter((l, i) => loose.findIndex((o) => o.label === l.label && o.message === l.message) === i);
  let said: string | null = problem.detail?.trim() || null;
  // A validation problem's detail lists its errors again ("name: name must be ..."): they are shown already.
  if (said && errors.some((e) => said?.includes(e.message))) said = null;
  if (said && (GENERIC.test(said) || said === problem.title || problem.title === 'Network error')) said = null;
  let headline: string;
  let detail: string | null = null;
  if (errors.length > 0) {
    if (uniqueLoose.length === 0) headline = 'Check the marked fields.';
    else headline = uniqueLoose.length < errors.length ? 'Check the marked fields, and:' : 'Some details need correcting:';
    detail = said;
  } else if (problem.status === 403) {
    headline = HEADLINES[403];
    // The gateway's "Missing permission ROLE:CREATE": which permission, in words.
    const missing = said?.match(/^Missing permission ([A-Z_]+):([A-Z_]+)(?: on namespace (\S+))?$/);
    detail = missing ? `It needs the ${missing[1]}:${missing[2]} permission${missing[3] ? ` on namespace ${missing[3]}` : ''}, which you do not have here.` : said;
  } else if (said) {
    headline = said;
  } else if (problem.status === 429) {
    const after = typeof problem.retryAfter === 'number' ? problem.retryAfter : null;
    headline = after ? `Too many attempts. Try again in ${after} second${after === 1 ? '' : 's'}.` : 'Too many attempts. Try again later.';
  } else if (problem.status >= 500 && !HEADLINES[problem.status]) {
    headline = 'Something went wrong on the server. Try again in a moment.';
  } else {
    headline = HEADLINES[problem.status] ?? (GENERIC.test(problem.title) ? 'This did not work.' : problem.title);
  }
  headline = /:$/.test(headline) ? headline : sentence(headline);
  if (detail) detail = sentence(detail);
  return { headline, detail, loose: uniqueLoose };
}
