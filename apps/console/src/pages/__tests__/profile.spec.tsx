/** @jest-environment jsdom */
import type { UserSettingsView } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeApiForEachTest, fieldErrors, invalid } from '../../__tests__/fake-api';
import { Preferences } from '../profile';

const settings = (fields: Partial<UserSettingsView> = {}): UserSettingsView => ({
  tenantId: 'acme', theme: null, editor: {}, timezone: null, defaultNamespace: null, updatedAt: null, ...fields,
});
const PATH = '/api/v1/acme/settings/me';

const server = fakeApiForEachTest();

describe('Preferences: editor preferences per tenant', () => {
  it('shows the saved editor preferences and sends them all back with the rest', async () => {
    server.on('GET', PATH, { body: settings({ theme: 'dark', editor: { fontSize: 16, tabSize: 4, wordWrap: true, keymap: 'vim' }, timezone: 'Europe/Paris' }) });
    server.on('PUT', PATH, (request) => ({ body: settings(request.body as Partial<UserSettingsView>) }));
    render(<Preferences tenant="acme" />);

    await waitFor(() => expect(screen.getByLabelText('Font size')).toHaveProperty('value', '16'));
    expect(screen.getByLabelText('Tab size')).toHaveProperty('value', '4');
    expect(screen.getByLabelText('Key bindings')).toHaveProperty('value', 'vim');
    expect(screen.getByLabelText('Wrap long lines')).toHaveProperty('checked', true);
    await userEvent.clear(screen.getByLabelText('Font size'));
    await userEvent.type(screen.getByLabelText('Font size'), '18');
    await userEvent.clear(screen.getByLabelText('Tab size'));
    await userEvent.selectOptions(screen.getByLabelText('Key bindings'), 'emacs');
    await userEvent.click(screen.getByLabelText('Wrap long lines'));
    await userEvent.click(screen.getByRole('button', { name: 'Save preferences' }));

    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PUT', PATH).map((r) => r.body)).toEqual([
      { theme: 'dark', timezone: 'Europe/Paris', editor: { fontSize: 18, wordWrap: false, keymap: 'emacs' } },
    ]);
  });

  it('names the refused editor preference next to its field', async () => {
    server.on('GET', PATH, { body: settings() });
    server.on('PUT', PATH, invalid({ field: 'editor.fontSize', message: 'fontSize must not be greater than 48' }));
    render(<Preferences tenant="acme" />);

    await userEvent.type(await screen.findByLabelText('Font size'), '99');
    await userEvent.click(screen.getByRole('button', { name: 'Save preferences' }));

    expect(await screen.findByText('Use 48 or less.')).toBeTruthy();
    expect(fieldErrors('editor.fontSize')).toEqual(['Use 48 or less.']);
    expect(screen.getByRole('alert').textContent).toBe('Check the marked fields.');
    expect((server.sent('PUT', PATH)[0].body as { editor: unknown }).editor).toEqual({ fontSize: 99, wordWrap: false, keymap: 'default' });
  });
});
