import type { MfaFactorsView, PasskeyOptions, PasskeyView, RecoveryCodes, RegisteredPasskey, TotpConfirmation, TotpEnrolment } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, enc, url } from '../api/client';
import { createPasskey, passkeysSupported } from '../api/passkeys';
import { CopyThenDone, Field, formatDate, Loading, ProblemBox, useAsync, useSubmit } from '../ui/kit';
import { RULES } from '../ui/checks';
import { confirmAction, promptText } from '../ui/feedback';

/** Recovery codes in clear, shown once: they are gone once dismissed. */
function RecoveryCodesOnce({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="secret" role="dialog" aria-label="Recovery codes">
      <p>Keep these recovery codes somewhere safe. Each works once, in place of your authenticator app or passkey; they will not be shown again.</p>
      <ul className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <CopyThenDone text={codes.join('\n')} onDone={onDone} />
    </div>
  );
}

/** Setting up an authenticator app: its QR code and secret (shown once), then a code to confirm it. */
function TotpEnrolmentForm({ enrolment, onConfirmed }: { enrolment: TotpEnrolment; onConfirmed: (codes: string[] | undefined) => void }) {
  const [code, setCode] = useState('');
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    const confirmed = await api.post<TotpConfirmation>(url('/me/mfa/totp/confirm'), { code: code.trim() });
    onConfirmed(confirmed.recoveryCodes);
  });
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Set up an authenticator app">
      <p>Scan this QR code with your authenticator app, or type the key below, then enter the code it shows.</p>
      <img src={enrolment.qrCode} alt="QR code of the authenticator app's key" width={200} height={200} data-testid="totp-qr" />
      <p>
        Key: <code data-testid="totp-secret">{enrolment.secret}</code>
      </p>
      <Field label="Code from the app" name="code" value={code} onChange={setCode} error={error} autoComplete="one-time-code" inputMode="numeric" autoFocus />
      <ProblemBox error={error} fields={['code']} />
      <button type="submit" disabled={pending || code.trim() === ''}>
        Confirm
      </button>
    </form>
  );
}

/** The user's passkeys: add one (the browser creates it), rename, remove. */
function Passkeys({ passkeys, onChange, onCodes }: { passkeys: PasskeyView[]; onChange: (notice: string) => void; onCodes: (codes: string[]) => void }) {
  const [name, setName] = useState('');
  const { pending, error, submit } = useSubmit();
  const add = submit(async () => {
    const { options } = await api.post<PasskeyOptions>(url('/me/mfa/passkeys/options'));
    const credential = await createPasskey(options);
    const registered = await api.post<RegisteredPasskey>(url('/me/mfa/passkeys'), { name: name.trim(), credential });
    setName('');
    if (registered.recoveryCodes) onCodes(registered.recoveryCodes);
    onChange(`Passkey "${registered.name}" added.`);
  });
  const changes = useSubmit();
  const rename = (passkey: PasskeyView) => changes.submit(async () => {
    const next = await promptText({ title: `Rename the passkey "${passkey.name}"`, label: 'New name', initial: passkey.name, confirmLabel: 'Rename', rule: RULES.passkey.name });
    if (!next || next === passkey.name) return;
    await api.patch(url(`/me/mfa/passkeys/${enc(passkey.id)}`), { name: next });
    onChange(`Passkey renamed to "${next}".`);
  });
  const remove = (passkey: PasskeyView) => changes.submit(async () => {
    if (!(await confirmAction({ title: `Remove the passkey "${passkey.name}"?`, body: 'It can no longer sign you in or confirm it is you.', confirmLabel: 'Remove passkey', danger: true }))) return;
    await api.del(url(`/me/mfa/passkeys/${enc(passkey.id)}`));
    onChange(`Passkey "${passkey.name}" removed.`);
  });
  return (
    <div aria-label="Passkeys">
      {passkeys.length > 0 ? (
        <table className="table" data-testid="passkeys">
          <thead>
            <tr><th>Name</th><th>Kind</th><th>Added</th><th>Last used</th><th /></tr>
          </thead>
          <tbody>
            {passkeys.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.deviceType === 'multiDevice' ? 'Synced' : 'This device'}</td>
                <td>{formatDate(p.createdAt)}</td>
                <td>{p.lastUsedAt ? formatDate(p.lastUsedAt) : 'never'}</td>
                <td className="row">
                  <button type="button" className="secondary" onClick={() => void rename(p)()} disabled={pending || changes.pending} aria-label={`Rename ${p.name}`}>Rename</button>
                  <button type="button" className="danger" onClick={() => void remove(p)()} disabled={pending || changes.pending} aria-label={`Remove ${p.name}`}>Remove</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No passkey yet.</p>
      )}
      {passkeysSupported() ? (
        <form onSubmit={add} noValidate aria-label="Add a passkey" className="row">
          <Field label="Passkey name" name="name" value={name} onChange={setName} error={error} placeholder="Laptop, YubiKey…" />
          <button type="submit" disabled={pending || name.trim() === ''}>Add a passkey</button>
        </form>
      ) : (
        <p className="muted">This browser cannot create passkeys.</p>
      )}
      <ProblemBox error={error} fields={['name', 'credential']} />
      <ProblemBox error={changes.error} />
    </div>
  );
}

/** Profile › Security: the second factors of the signed-in user (authenticator app, recovery codes). */
export function SecurityPanel() {
  const { data, error: loadError, reload } = useAsync(() => api.get<MfaFactorsView>(url('/me/mfa')), []);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { pending, error, submit } = useSubmit();
  if (loadError) return <ProblemBox error={loadError} />;
  if (!data) return <Loading />;
  const start = submit(async () => {
    setNotice(null);
    setEnrolment(await api.post<TotpEnrolment>(url('/me/mfa/totp')));
  });
  const remove = submit(async () => {
    if (!(await confirmAction({ title: 'Remove your authenticator app?', body: 'Sign-ins will no longer ask for its codes.', confirmLabel: 'Remove authenticator app', danger: true }))) return;
    await api.del(url('/me/mfa/totp'));
    setNotice('Authenticator app removed.');
    reload();
  });
  const regenerate = submit(async () => {
    if (!(await confirmAction({ title: 'Generate new recovery codes?', body: 'The current ones will stop working.', confirmLabel: 'Generate new codes', danger: true }))) return;
    setCodes((await api.post<RecoveryCodes>(url('/me/mfa/recovery-codes'))).codes);
    reload();
  });
  const confirmed = data.totp?.confirmed ?? false;
  return (
    <section className="panel" aria-label="Two-step verification">
      <h2>Two-step verification</h2>
      <p data-testid="mfa-status">{data.enabled ? 'On: sign-ins ask for a second factor after your password.' : 'Off: sign-ins ask for your password only.'}</p>
      {notice && <p role="status">{notice}</p>}
      {codes && <RecoveryCodesOnce codes={codes} onDone={() => setCodes(null)} />}
      <h3>Authenticator app</h3>
      {enrolment ? (
        <TotpEnrolmentForm
          enrolment={enrolment}
          onConfirmed={(issued) => {
            setEnrolment(null);
            setNotice('Authenticator app set up.');
            if (issued) setCodes(issued);
            reload();
          }}
        />
      ) : confirmed ? (
        <div className="row">
          <span>Set up {formatDate(data.totp?.confirmedAt)}{data.totp?.lastUsedAt ? `, last used ${formatDate(data.totp.lastUsedAt)}` : ''}</span>
          <button type="button" className="danger" onClick={() => void remove()} disabled={pending}>
            Remove
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => void start()} disabled={pending}>
          Set up an authenticator app
        </button>
      )}
      <h3>Passkeys</h3>
      <Passkeys
        passkeys={data.passkeys}
        onCodes={setCodes}
        onChange={(message) => {
          setNotice(message);
          reload();
        }}
      />
      <h3>Recovery codes</h3>
      {data.recoveryCodes ? (
        <div className="row">
          <span data-testid="recovery-codes-left">{data.recoveryCodes.remaining} of 10 left</span>
          <button type="button" className="secondary" onClick={() => void regenerate()} disabled={pending}>
            Generate new codes
          </button>
        </div>
      ) : (
        <p className="muted">Issued with your first second factor.</p>
      )}
      <ProblemBox error={error} />
    </section>
  );
}
