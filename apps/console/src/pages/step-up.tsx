import type { MfaRequired, StepUpResult } from '@gatehouse/contracts';
import { useEffect, useRef, useState } from 'react';
import { api, session, stepUp, url } from '../api/client';
import { ProblemBox, useSubmit } from '../ui/kit';
import { SecondFactorStep } from './public';

/**
 * Step-up (docs/mfa.md): a sensitive action answered `step-up-required` (no second factor in this session
 * recently): this dialog asks for one (POST /me/mfa/step-up/start, then /me/mfa/step-up), takes the new
 * access token, and the action is retried once (api/client's `stepUp`). Cancel gives the refusal back.
 */
export function StepUpDialog() {
  const [step, setStep] = useState<MfaRequired | null>(null);
  const [open, setOpen] = useState(false);
  const pending = useRef<((done: boolean) => void) | null>(null);
  const starting = useSubmit();

  useEffect(() => {
    stepUp.ask = () =>
      new Promise<boolean>((resolve) => {
        pending.current?.(false);
        pending.current = resolve;
        setStep(null);
        setOpen(true);
      });
    return () => {
      stepUp.ask = null;
    };
  }, []);

  const start = starting.submit(async () => {
    setStep(await api.post<MfaRequired>(url('/me/mfa/step-up/start')));
  });
  useEffect(() => {
    if (open && !step) void start();
  }, [open, step]);

  const close = (done: boolean) => {
    setOpen(false);
    setStep(null);
    pending.current?.(done);
    pending.current = null;
  };
  if (!open) return null;
  return (
    <div className="modal-backdrop">
      <div className="card" role="dialog" aria-modal="true" aria-label="Confirm it is you">
        <h1>Confirm it is you</h1>
        <p>This action needs a second factor presented in the last few minutes.</p>
        <ProblemBox error={starting.error} />
        {step && (
          <SecondFactorStep
            step={step}
            complete={async (secondStep) => {
              const answer = await api.post<StepUpResult>(url('/me/mfa/step-up'), secondStep);
              session.set(answer);
            }}
            onDone={() => close(true)}
            onRestart={() => close(false)}
          />
        )}
        {!step && (
          <button type="button" className="secondary" onClick={() => close(false)}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}
