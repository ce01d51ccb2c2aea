import { useState } from 'react';
import { session } from '../api/client';
import { useAuth } from '../session';
import { ProblemBox, useSubmit } from '../ui/kit';
import { Card } from './public';
import { SecurityPanel } from './security';

/**
 * The enrolment walk-through: an MFA policy requires a second factor this user has not set up, so their
 * session is good for setting one up only. Once one is set up (and the recovery codes are seen), Continue
 * asks for a new access token: the full session (identity judges the policy at every refresh).
 */
export function MfaEnrolmentPage() {
  const { me, signOut } = useAuth();
  const [stillMissing, setStillMissing] = useState(false);
  const { pending, error, submit } = useSubmit();
  const onContinue = submit(async () => {
    setStillMissing(false);
    await session.refresh();
    if (session.enrolmentOnly) setStillMissing(true);
  });
  return (
    <Card title="Set up two-step verification">
      <p>
        Your organisation requires a second factor for {me?.username ?? 'your account'}. Set up an authenticator app or a passkey, keep your recovery
        codes, then continue.
      </p>
      <SecurityPanel />
      {stillMissing && <p className="problem" role="alert">No second factor is set up yet.</p>}
      <ProblemBox error={error} />
      <div className="row">
        <button type="button" onClick={() => void onContinue()} disabled={pending}>
          Continue
        </button>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </Card>
  );
}
