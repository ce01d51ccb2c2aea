import type { FieldError } from '@gatehouse/contracts';
import isEmail from 'validator/lib/isEmail';
import isLength from 'validator/lib/isLength';
import { ApiError } from '../api/client';

/**
 * Checks a form runs before it sends anything, mirroring the server's validation of the same request
 * (libs/contracts' DTOs): the same limits and patterns, and class-validator's own functions (validator's
 * isEmail and isLength), so a form never says "fine" where the server says no, nor the other way round.
 * checks.spec proves each rule set against its DTO on the same inputs. The messages are plain already.
 */
export interface Rule {
  /** Absent or empty is refused (an empty optional field is left out of the request). */
  required?: boolean;
  min?: number;
  max?: number;
  email?: boolean;
  pattern?: RegExp;
  /** What to say when `pattern` does not match. */
  format?: string;
}

export type Rules = Record<string, Rule>;

export const REQUIRED = 'This is required.';
export const EMAIL = 'Enter an email address, such as name@example.com.';

export function checkValue(rule: Rule, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return rule.required ? REQUIRED : null;
  // Not text (a checkbox, a list): the form's own controls keep it valid.
  if (typeof value !== 'string') return null;
  if (rule.min !== undefined && !isLength(value, { min: rule.min })) return rule.min === 1 ? REQUIRED : `Use at least ${rule.min} characters.`;
  if (rule.max !== undefined && !isLength(value, { max: rule.max })) return `Use at most ${rule.max} characters.`;
  if (rule.email && !isEmail(value)) return EMAIL;
  if (rule.pattern && !rule.pattern.test(value)) return rule.format ?? 'This is not in the expected format.';
  return null;
}

/** The fields of `values` that break their rule, each with its plain message. */
export function checkForm(rules: Rules, values: Record<string, unknown>): FieldError[] {
  return Object.entries(rules).flatMap(([field, rule]) => {
    const message = checkValue(rule, values[field]);
    return message ? [{ field, message }] : [];
  });
}

/** Thrown by a form whose checks fail: shown like the server's validation problem, and nothing is sent. */
export function checksFailed(errors: FieldError[]): ApiError {
  return new ApiError({ type: 'about:blank#checks', title: 'Check the form', status: 422, errors });
}

/** Throws (before anything is sent) when `values` break `rules`. */
export function assertValid(rules: Rules, values: Record<string, unknown>): void {
  const errors = checkForm(rules, values);
  if (errors.length > 0) throw checksFailed(errors);
}

const USERNAME: Rule = { required: true, min: 1, max: 254, pattern: /^[^\s:]+$/, format: 'Use no spaces or colons.' };
const NAME: Rule = { required: true, min: 1, max: 100 };
const DESCRIPTION: Rule = { max: 1000 };
const PERSON_NAME: Rule = { max: 100 };

/** The rules of each form, named after the request it sends (libs/contracts). */
export const RULES = {
  /** CreateUserRequest (the password is judged by the policy as it is typed: POST /validate-password). */
  createUser: { username: USERNAME, email: { max: 254, email: true }, firstName: PERSON_NAME, lastName: PERSON_NAME, password: { max: 1024 } },
  /** UpdateUserRequest's names and email. */
  updateUser: { firstName: PERSON_NAME, lastName: PERSON_NAME, email: { max: 254, email: true } },
  /** CreateGroupRequest, CreateRoleRequest (NameAndDescription). */
  nameAndDescription: { name: NAME, description: DESCRIPTION },
  /** CreateServiceAccountRequest. */
  serviceAccount: {
    name: { required: true, pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, format: 'Use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.' },
    description: DESCRIPTION,
  },
  /** CreateTenantRequest. */
  createTenant: {
    id: { required: true, pattern: /^[a-z0-9][a-z0-9-]{1,62}$/, format: 'Use 2-63 lowercase letters, digits and dashes, starting with a letter or digit.' },
    name: { required: true, min: 1, max: 200 },
    workerGroup: { max: 100 },
    adminUser: { max: 254 },
  },
  /** UpdateTenantRequest's name and worker group. */
  updateTenant: { name: { required: true, min: 1, max: 200 }, workerGroup: { max: 100 } },
  /** CreateApiTokenRequest. */
  apiToken: {
    name: NAME,
    description: DESCRIPTION,
    maxAge: {
      max: 40,
      pattern: /^P(?!$)(\d{1,6}Y)?(\d{1,6}M)?(\d{1,6}W)?(\d{1,6}D)?(T(?=\d)(\d{1,7}H)?(\d{1,9}M)?(\d{1,10}S)?)?$/,
      format: 'Enter a duration such as P30D (30 days) or PT12H (12 hours).',
    },
  },
  /** RegisterPasskeyRequest, RenamePasskeyRequest. */
  passkey: { name: NAME },
  /** CreateInvitationRequest, AddTenantAccessRequest. */
  invitation: { email: { required: true, max: 254, email: true } },
} satisfies Record<string, Rules>;
