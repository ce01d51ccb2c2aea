/** @jest-environment jsdom */
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { api, session } from '../../api/client';
import { fakeApiForEachTest, problem, tokenPair } from '../../__tests__/fake-api';
import { StepUpDialog } from '../step-up';

const server = fakeApiForEachTest();
const stepUpRequired = { status: 401, body: problem(401, 'Step-up required', [], 'step-up-required', 'Confirm it is you') };

describe('StepUpDialog', () => {
  beforeEach(() => session.set(tokenPair('access-1')));

  it('answers step-up-required with the second factor, then retries the action once with the new token', async () => {
    server.on('DELETE', '/api/v1/tenants/t-1', stepUpRequired, { status: 204 });
    server.on('POST', '/api/v1/me/mfa/step-up/start', { body: { mfaToken: 'ghm_1', expiresIn: 300, factors: ['totp', 'recovery-code'] } });
    server.on('POST', '/api/v1/me/mfa/step-up', { body: { tokenType: 'Bearer', accessToken: 'access-2', expiresIn: 900 } });
    render(<StepUpDialog />);

    const done = api.del('/api/v1/tenants/t-1');
    expect(await screen.findByRole('dialog', { name: 'Confirm it is you' })).toBeTruthy();
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await done;

    expect(server.sent('POST', '/api/v1/me/mfa/step-up').map((r) => r.body)).toEqual([{ mfaToken: 'ghm_1', code: '123456' }]);
    expect(server.sent('DELETE', '/api/v1/tenants/t-1').map((r) => r.headers.authorization)).toEqual(['Bearer access-1', 'Bearer access-2']);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('gives the refusal back when cancelled', async () => {
    server.on('DELETE', '/api/v1/tenants/t-1', stepUpRequired);
    server.on('POST', '/api/v1/me/mfa/step-up/start', { body: { mfaToken: 'ghm_1', expiresIn: 300, factors: ['totp'] } });
    render(<StepUpDialog />);

    const done = api.del('/api/v1/tenants/t-1').catch((e: { slug: string }) => e.slug);
    await screen.findByLabelText('Code from your authenticator app');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await done).toBe('step-up-required');
    expect(server.sent('DELETE', '/api/v1/tenants/t-1')).toHaveLength(1);
  });
});
