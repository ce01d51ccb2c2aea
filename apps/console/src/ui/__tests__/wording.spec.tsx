/** @jest-environment jsdom */
import { ApiError } from '../../api/client';
import { explainProblem, fieldLabel, fieldMessages, plainMessage } from '../wording';

const problem = (fields: Record<string, unknown>) => new ApiError({ type: 'https://gatehouse.dev/problems/x', title: 'Bad Request', status: 400, ...fields });

describe('plainMessage: class-validator and the contracts in plain words', () => {
  it.each([
    ['name', 'name must be longer than or equal to 1 characters', 'This is required.'],
    ['name', 'name should not be empty', 'This is required.'],
    ['name', 'name must be longer than or equal to 3 characters', 'Use at least 3 characters.'],
    ['description', 'description must be shorter than or equal to 1000 characters', 'Use at most 1000 characters.'],
    ['email', 'email must be an email', 'Enter an email address, such as name@example.com.'],
    ['roleId', 'roleId must be a UUID', 'Choose one from the list.'],
    ['groupIds[1]', 'each value in groupIds must be a UUID', 'Choose one from the list.'],
    ['theme', 'theme must be one of the following values: light, dark, system', 'Choose one of: light, dark, system.'],
    ['editor.fontSize', 'fontSize must not be greater than 48', 'Use 48 or less.'],
    ['editor.tabSize', 'tabSize must not be less than 1', 'Use 1 or more.'],
    ['maxAge', 'maxAge must be an ISO-8601 duration such as P30D or PT12H', 'Enter a duration such as P30D (30 days) or PT12H (12 hours).'],
    ['name', 'name must be a DNS label: 1-63 lowercase letters, digits and dashes, not starting or ending with a dash', 'Use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.'],
    ['id', 'id must be 2-63 characters of lowercase letters, digits and dashes, starting with a letter or digit', 'Use 2-63 lowercase letters, digits and dashes, starting with a letter or digit.'],
    ['namespaces[0]', 'each namespace must be dotted segments of letters, digits, _ and -', 'Use dotted segments of letters, digits, _ and -, such as company.team.'],
    ['username', 'username must not contain spaces or colons', 'Must not contain spaces or colons.'],
    ['nickname', 'unknown field nickname', 'This is not accepted here.'],
    ['q', 'q must not contain NUL characters or unpaired UTF-16 surrogates', 'Remove the invisible control characters.'],
    ['code', 'The code is wrong or was already used', 'The code is wrong or was already used.'],
  ])('%s: %s', (field, message, plain) => {
    expect(plainMessage({ field, message })).toBe(plain);
  });
});

it('fieldLabel names a field no input shows', () => {
  expect(fieldLabel('editor.fontSize')).toBe('Editor font size');
  expect(fieldLabel('groupIds[0]')).toBe('Group IDs');
  expect(fieldLabel('tenantId')).toBe('Tenant ID');
});

it('fieldMessages gives the plain messages of a field and the fields under it, each once', () => {
  const error = problem({ errors: [{ field: 'roles[0].namespaces[0]', message: 'namespace must be dotted segments' }, { field: 'roles[0].namespaces[1]', message: 'namespace must be dotted segments' }, { field: 'email', message: 'email must be an email' }] });
  expect(fieldMessages(error, 'roles[0].namespaces')).toEqual(['Use dotted segments of letters, digits, _ and -, such as company.team.']);
  expect(fieldMessages(error, 'email')).toEqual(['Enter an email address, such as name@example.com.']);
  expect(fieldMessages(null, 'email')).toEqual([]);
});

describe('explainProblem', () => {
  it('leaves out the detail that repeats the field errors, and the HTTP reason phrase', () => {
    const error = problem({ detail: 'name: name must be longer than or equal to 1 characters', errors: [{ field: 'name', message: 'name must be longer than or equal to 1 characters' }] });
    expect(explainProblem(error, ['name'])).toEqual({ headline: 'Check the marked fields.', detail: null, loose: [] });
    expect(explainProblem(error, [])).toEqual({ headline: 'Some details need correcting:', detail: null, loose: [{ label: 'Name', message: 'This is required.' }] });
  });

  it("says a refusal plainly, with the server's reason, and which permission is missing", () => {
    expect(explainProblem(new ApiError({ type: 'x', title: 'Forbidden', status: 403, detail: 'You cannot create an API token for u-1: it holds GROUP:CREATE in tenant acme, which you do not' }))).toEqual({
      headline: 'You are not allowed to do this.', detail: 'You cannot create an API token for u-1: it holds GROUP:CREATE in tenant acme, which you do not.', loose: [],
    });
    expect(explainProblem(new ApiError({ type: 'x', title: 'Forbidden', status: 403, detail: 'Missing permission BINDING:CREATE on namespace a.b' })).detail).toBe(
      'It needs the BINDING:CREATE permission on namespace a.b, which you do not have here.',
    );
    expect(explainProblem(new ApiError({ type: 'x', title: 'Forbidden', status: 403, detail: 'The server answered 403' }))).toEqual({ headline: 'You are not allowed to do this.', detail: null, loose: [] });
  });

  it("takes the server's sentence when it says something, else a plain one for the status", () => {
    expect(explainProblem(new ApiError({ type: 'x', title: 'Unauthorized', status: 401, detail: 'Invalid username or password' })).headline).toBe('Invalid username or password.');
    expect(explainProblem(new ApiError({ type: 'x', title: 'Bad Request', status: 400, detail: 'Bad Request' })).headline).toBe('This was not accepted.');
    expect(explainProblem(new ApiError({ type: 'x', title: 'Not Found', status: 404, detail: 'Not found' })).headline).toBe('This was not found: it may have been deleted, or it is out of your reach.');
    expect(explainProblem(new ApiError({ type: 'x', title: 'Too Many Requests', status: 429, retryAfter: 30 })).headline).toBe('Too many attempts. Try again in 30 seconds.');
    expect(explainProblem(new ApiError({ type: 'x', title: 'Internal Server Error', status: 500 })).headline).toBe('Something went wrong on the server. Try again in a moment.');
    expect(explainProblem(new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: 'x' })).headline).toBe('The server cannot be reached. Check your connection and try again.');
  });
});
