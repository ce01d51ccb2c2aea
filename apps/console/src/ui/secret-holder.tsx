import { useState } from 'react';
import { api } from '../api/client';
import { navigate } from '../router';
import { ConfirmOptions, confirmAction, notify } from './feedback';
import { useSubmit } from './kit';

/** What the editor of a secret holder asks before rotating and deleting, and says after deleting. */
export interface SecretHolderTexts {
  rotate: ConfirmOptions;
  remove: ConfirmOptions;
  removed: string;
  /** Where the console goes once it is deleted (its list). */
  leaveTo: string;
}

/**
 * The state of the editor of something that holds a secret (an OAuth client, a webhook, an integration) at
 * `path`: the latest view, Save (PATCH), Rotate secret (POST {path}/secret, the new secret shown once) and
 * Delete, each with its confirmation. `actions()` is what SecretHolderActions takes.
 */
export function useSecretHolder<View, WithSecret extends View>(initial: View, path: string) {
  const [value, setValue] = useState(initial);
  const [saved, setSaved] = useState(false);
  const [rotated, setRotated] = useState<WithSecret | null>(null);
  const save = useSubmit();
  const rotation = useSubmit();
  const removal = useSubmit();
  return {
    value,
    rotated,
    clearRotated: () => setRotated(null),
    save,
    onSave: (body: () => object) =>
      save.submit(async () => {
        setSaved(false);
        setValue(await api.patch<View>(path, body()));
        setSaved(true);
      }),
    actions: (texts: SecretHolderTexts) => ({
      saving: save.pending,
      saved,
      rotationError: rotation.error,
      removalError: removal.error,
      onRotate: rotation.submit(async () => {
        if (!(await confirmAction(texts.rotate))) return;
        const next = await api.post<WithSecret>(`${path}/secret`, {});
        setValue(next);
        setRotated(next);
      }),
      onDelete: removal.submit(async () => {
        if (!(await confirmAction(texts.remove))) return;
        await api.del(path);
        notify(texts.removed);
        navigate(texts.leaveTo);
      }),
    }),
  };
}
