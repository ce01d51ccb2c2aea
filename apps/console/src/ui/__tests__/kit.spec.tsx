/** @jest-environment jsdom */
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { currentPath, fakeApiForEachTest, fieldErrors } from '../../__tests__/fake-api';
import { Field, formatDate, PagedTable, PasswordField, ProblemBox, Tabs, TextArea, Toggle, useAsync, useSubmit } from '../kit';

const validation = (...errors: Array<{ field: string; message: string }>) =>
  new ApiError({ type: 'https://gatehouse.dev/problems/validation-failed', title: 'Validation failed', status: 422, detail: 'The request is not valid', errors });

function ControlledField({ error, onValue }: { error?: ApiError; onValue?: (v: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <Field
      label="Name" name="name" value={value} error={error}
      onChange={(v) => {
        setValue(v);
        onValue?.(v);
      }}
    />
  );
}

const server = fakeApiForEachTest();

describe('Field', () => {
  it('labels its input and reports what is typed', async () => {
    const onValue = jest.fn();
    render(<ControlledField onValue={onValue} />);

    await userEvent.type(screen.getByLabelText('Name'), 'ops');

    expect(screen.getByLabelText('Name')).toHaveProperty('value', 'ops');
    expect(onValue).toHaveBeenLastCalledWith('ops');
    expect(screen.getByLabelText('Name').getAttribute('name')).toBe('name');
  });

  it('shows the messages of its own field (and nested ones) and is marked invalid', () => {
    render(<ControlledField error={validation({ field: 'name', message: 'is taken' }, { field: 'name.first', message: 'too long' }, { field: 'email', message: 'is not an email' })} />);

    expect(fieldErrors('name')).toEqual(['Is taken.', 'Too long.']);
    expect(screen.queryByText('is not an email')).toBeNull();
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Name').closest('.field')?.classList.contains('invalid')).toBe(true);
  });

  it('is valid without errors for it', () => {
    render(<ControlledField error={validation({ field: 'names', message: 'is not a list' })} />);
    expect(fieldErrors('name')).toEqual([]);
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('false');
  });
});

it('TextArea shows the messages of its field', async () => {
  const onChange = jest.fn();
  render(<TextArea label="Description" name="description" value="" onChange={onChange} error={validation({ field: 'description', message: 'too long' })} />);
  await userEvent.type(screen.getByLabelText('Description'), 'x');
  expect(onChange).toHaveBeenCalledWith('x');
  expect(fieldErrors('description')).toEqual(['Too long.']);
});

it('Toggle reports the new state', async () => {
  const onChange = jest.fn();
  render(<Toggle label="Super Admin" name="superAdmin" checked={false} onChange={onChange} />);
  await userEvent.click(screen.getByLabelText('Super Admin'));
  expect(onChange).toHaveBeenCalledWith(true);
});

describe('ProblemBox', () => {
  it('says it in plain words, and lists only the errors of fields the form does not show (named by label)', () => {
    render(
      <ProblemBox
        error={validation({ field: 'name', message: 'is taken' }, { field: 'permissions.FLOW[0]', message: 'bad action' }, { field: 'tenantId', message: 'tenantId must be a UUID' })}
        fields={['name', 'permissions']}
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('strong')?.textContent).toBe('Check the marked fields, and:');
    expect(alert.textContent).not.toContain('Validation failed');
    expect(alert.textContent).not.toContain('is taken');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['Tenant ID: Choose one from the list.']);
  });

  it("adds the server's detail under the headline of a refusal, once", () => {
    render(<ProblemBox error={new ApiError({ type: 'https://gatehouse.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'Missing permission ROLE:CREATE' })} />);
    expect(screen.getByRole('alert').textContent).toBe('You are not allowed to do this.It needs the ROLE:CREATE permission, which you do not have here.');
  });

  it('shows nothing without an error', () => {
    const { container } = render(<ProblemBox error={null} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('useSubmit', () => {
  function Form({ action }: { action: () => Promise<unknown> }) {
    const { pending, error, submit } = useSubmit();
    return (
      <form onSubmit={submit(action)} aria-label="Form">
        <ProblemBox error={error} />
        <button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Save'}
        </button>
      </form>
    );
  }

  it('is pending while the action runs, then shows the problem it failed with', async () => {
    let fail: (e: unknown) => void = () => undefined;
    render(<Form action={() => new Promise((_, reject) => (fail = reject))} />);

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('button', { name: 'Saving…' })).toHaveProperty('disabled', true);
    await act(async () => fail(validation()));

    expect(screen.getByRole('button', { name: 'Save' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('alert').textContent).toBe('This was not accepted.');
  });

  it('turns any other failure into a problem, and clears it on the next submit', async () => {
    const action = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValueOnce(undefined);
    render(<Form action={action} />);

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('alert').textContent).toContain('Error: boom');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(screen.queryByRole('alert')).toBeNull();
    expect(action).toHaveBeenCalledTimes(2);
  });
});

describe('PasswordField', () => {
  afterEach(() => jest.useRealTimers());

  function Password() {
    const [value, setValue] = useState('');
    return <PasswordField label="Password" name="password" value={value} onChange={setValue} />;
  }

  it('checks the policy once the user stops typing and shows what the server objects to', async () => {
    jest.useFakeTimers();
    server.on('POST', '/api/v1/validate-password', (r) => ({
      body: { valid: false, errors: [`"${(r.body as { password: string }).password}" is too short`, 'needs a digit'] },
    }));
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    render(<Password />);

    await user.type(screen.getByLabelText('Password'), 'short');
    expect(server.requests).toHaveLength(0);
    await act(() => jest.advanceTimersByTimeAsync(300));

    expect(server.sent('POST', '/api/v1/validate-password').map((r) => r.body)).toEqual([{ password: 'short' }]);
    expect(screen.getByText('"short" is too short; needs a digit')).toBeTruthy();
    expect(screen.getByLabelText('Password').getAttribute('type')).toBe('password');
  });
});

describe('PagedTable', () => {
  interface Row {
    id: string;
    name: string;
  }
  const page = (results: Row[], total = results.length, size = 2) => ({ body: { results, total, page: 1, size } });

  function Table() {
    return (
      <PagedTable<Row>
        source={({ page: p, size, q }) => `/api/v1/things?page=${p}&size=${size}&q=${q}`}
        size={2}
        rowKey={(r) => r.id}
        empty="No things yet."
        searchLabel="Search things"
        columns={[{ label: 'Name', render: (r) => r.name }]}
      />
    );
  }

  it('shows the rows of the first page and pages on', async () => {
    server.on('GET', '/api/v1/things', (r) =>
      r.url.includes('page=1') ? page([{ id: '1', name: 'one' }, { id: '2', name: 'two' }], 3) : page([{ id: '3', name: 'three' }], 3),
    );
    render(<Table />);

    expect(await screen.findByText('one')).toBeTruthy();
    expect(screen.getByText('Page 1 of 2 · 3 total')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Previous' })).toHaveProperty('disabled', true);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));

    expect(await screen.findByText('three')).toBeTruthy();
    expect(server.requests.map((r) => r.url)).toEqual(['/api/v1/things?page=1&size=2&q=', '/api/v1/things?page=2&size=2&q=']);
    expect(screen.getByRole('button', { name: 'Next' })).toHaveProperty('disabled', true);
  });

  it('says when the list is empty, and when nothing matches the search', async () => {
    server.on('GET', '/api/v1/things', page([]));
    render(<Table />);

    expect(await screen.findByText('No things yet.')).toBeTruthy();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search things' }), 'zz');

    expect(await screen.findByText('Nothing matches “zz”.')).toBeTruthy();
    expect(server.requests.at(-1)?.url).toBe('/api/v1/things?page=1&size=2&q=zz');
  });

  it('shows the problem when the list cannot be read', async () => {
    server.on('GET', '/api/v1/things', { status: 403, body: { type: 'https://gatehouse.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'Missing GROUP:READ' } });
    render(<Table />);
    expect((await screen.findByRole('alert')).textContent).toContain('Missing GROUP:READ');
  });
});

it('useAsync drops an answer that comes after its inputs changed', async () => {
  const answers: Record<string, (v: string) => void> = {};
  function Show({ id }: { id: string }) {
    const { data } = useAsync(() => new Promise<string>((resolve) => (answers[id] = resolve)), [id]);
    return <p>{data ?? 'loading'}</p>;
  }
  const { rerender } = render(<Show id="a" />);
  rerender(<Show id="b" />);

  await act(async () => answers.b('answer of b'));
  await act(async () => answers.a('answer of a'));

  expect(screen.getByText('answer of b')).toBeTruthy();
  expect(screen.queryByText('answer of a')).toBeNull();
});

it('Tabs mark the active tab and navigate in the app', async () => {
  render(<Tabs active="members" tabs={[{ id: 'overview', label: 'Overview', to: '/t/acme/groups/g1' }, { id: 'members', label: 'Members', to: '/t/acme/groups/g1/members' }]} />);

  expect(screen.getByRole('tab', { name: 'Members' }).getAttribute('aria-selected')).toBe('true');
  expect(screen.getByRole('tab', { name: 'Overview' }).getAttribute('href')).toBe('/ui/t/acme/groups/g1');
  await userEvent.click(screen.getByRole('tab', { name: 'Overview' }));
  await waitFor(() => expect(currentPath()).toBe('/t/acme/groups/g1'));
});

it('formatDate shows a dash for no date and an unreadable value as it is', () => {
  expect(formatDate(null)).toBe('—');
  expect(formatDate('not a date')).toBe('not a date');
  expect(formatDate('2025-03-01T12:00:00.000Z')).toContain('2025');
});
