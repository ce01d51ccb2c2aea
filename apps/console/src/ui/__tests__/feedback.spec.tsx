/** @jest-environment jsdom */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { navigate } from '../../router';
import { confirmAction, FeedbackHost, notify, promptText, resetFeedback } from '../feedback';

afterEach(() => {
  resetFeedback();
  window.history.replaceState(null, '', '/ui/');
});
window.scrollTo = () => undefined;

/** A button that asks, and shows the answer it got. */
function Asker({ ask }: { ask: () => Promise<unknown> }) {
  const [answer, setAnswer] = useState('none yet');
  return (
    <>
      <button type="button" onClick={() => void ask().then((a) => setAnswer(JSON.stringify(a)))}>
        Ask
      </button>
      <output>{answer}</output>
    </>
  );
}

const answer = () => screen.getByRole('status').textContent;

describe('confirmAction', () => {
  it('asks in a modal alert dialog, with the focus on Cancel; Escape cancels and gives the focus back', async () => {
    render(
      <>
        <Asker ask={() => confirmAction({ title: 'End every session?', body: 'Each device is signed out.', confirmLabel: 'End all', danger: true })} />
        <FeedbackHost />
      </>,
    );
    const ask = screen.getByRole('button', { name: 'Ask' });
    await userEvent.click(ask);

    const dialog = screen.getByRole('alertdialog', { name: 'End every session?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(screen.getByText('Each device is signed out.').id).toBe(dialog.getAttribute('aria-describedby'));
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(within(dialog).getByRole('button', { name: 'End all' }).className).toBe('danger');
    await userEvent.keyboard('{Escape}');

    await waitFor(() => expect(answer()).toBe('false'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(ask);
  });

  it('keeps Tab inside the dialog, and answers true when confirmed', async () => {
    render(
      <>
        <Asker ask={() => confirmAction({ title: 'Revoke?', body: 'It stops working.', confirmLabel: 'Revoke' })} />
        <FeedbackHost />
      </>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const dialog = screen.getByRole('alertdialog');
    await userEvent.tab();
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Revoke' }));
    await userEvent.tab({ shift: true });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(answer()).toBe('true'));
  });

  it('asks for the name to be typed before a deletion, and asks one question at a time', async () => {
    render(<FeedbackHost />);
    let first: boolean | undefined;
    let second: boolean | undefined;
    act(() => {
      void confirmAction({ title: 'Delete the group ops?', body: 'Members stay.', confirmLabel: 'Delete group', danger: true, typeToConfirm: 'ops' }).then((a) => (first = a));
      void confirmAction({ title: 'And then?', body: '', confirmLabel: 'Yes' }).then((a) => (second = a));
    });
    expect(screen.getAllByRole('alertdialog')).toHaveLength(1);
    const input = screen.getByLabelText('Type ops to confirm');
    expect(document.activeElement).toBe(input);
    await userEvent.type(input, 'OPS');
    expect(screen.getByRole('button', { name: 'Delete group' })).toHaveProperty('disabled', true);
    await userEvent.keyboard('{Enter}');
    expect(first).toBeUndefined();
    await userEvent.clear(input);
    await userEvent.type(input, 'ops{Enter}');
    await waitFor(() => expect(first).toBe(true));

    await userEvent.click(await screen.findByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(second).toBe(true));
  });

  it('refuses to ask without a host (the console mounts one at its root)', async () => {
    await expect(confirmAction({ title: 't', body: 'b', confirmLabel: 'OK' })).rejects.toThrow('No FeedbackHost is mounted');
  });
});

describe('promptText', () => {
  it("asks for a line of text, checks it with the server's rule, and answers it trimmed (or null when cancelled)", async () => {
    render(
      <>
        <Asker ask={() => promptText({ title: 'Rename the passkey', label: 'New name', initial: 'Laptop', confirmLabel: 'Rename', rule: { max: 10 } })} />
        <FeedbackHost />
      </>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const input = screen.getByLabelText('New name') as HTMLInputElement;
    expect(input.value).toBe('Laptop');
    expect(screen.getByRole('dialog', { name: 'Rename the passkey' })).toBeTruthy();
    await userEvent.clear(input);
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(screen.getByText('This is required.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await userEvent.type(input, 'A much too long name');
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(screen.getByText('Use at most 10 characters.')).toBeTruthy();
    await userEvent.clear(input);
    await userEvent.type(input, '  YubiKey  {Enter}');
    await waitFor(() => expect(answer()).toBe('"YubiKey"'));

    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(answer()).toBe('null'));
  });
});

describe('notify', () => {
  it('shows a notice in a polite live region until dismissed', async () => {
    render(<FeedbackHost />);
    act(() => notify('Group ops deleted.'));
    const region = screen.getByRole('region', { name: 'Notices' });
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(within(region).getByText('Group ops deleted.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss: Group ops deleted.' }));
    expect(within(region).queryByText('Group ops deleted.')).toBeNull();
  });

  it('keeps the notice across the navigation made right after it, and drops it at the next one', async () => {
    render(<FeedbackHost />);
    act(() => {
      notify('Tenant acme deleted.');
      navigate('/admin/tenants');
    });
    expect(screen.getByText('Tenant acme deleted.')).toBeTruthy();
    await act(async () => {
      await Promise.resolve();
      navigate('/admin/users');
    });
    expect(screen.queryByText('Tenant acme deleted.')).toBeNull();
  });
});
