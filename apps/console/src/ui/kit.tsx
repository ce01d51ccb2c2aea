import type { Page, PasswordValidation } from '@gatehouse/contracts';
import { DependencyList, FormEvent, InputHTMLAttributes, ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, url } from '../api/client';
import { Link } from '../router';
import { explainProblem, fieldMessages } from './wording';

/** Loads something; `reload` runs it again. Stale answers (after deps changed) are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) => mine === generation.current && setState({ error: toApiError(error), loading: false }),
    );
  }, [run]);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError({ type: 'about:blank', title: 'Error', status: 0, detail: String(error) });
}

/** Submits a form: tracks the pending state and the problem the server answered with. */
export function useSubmit() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = useCallback(
    (action: () => Promise<unknown>) => async (event?: FormEvent) => {
      event?.preventDefault();
      setPending(true);
      setError(null);
      try {
        await action();
      } catch (e) {
        setError(toApiError(e));
      } finally {
        setPending(false);
      }
    },
    [],
  );
  return { pending, error, setError, submit };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/**
 * A problem in plain words (ui/wording): its headline, what the server added, and the errors of fields
 * the form does not show (`fields` are those it shows: their errors are on them, never repeated here).
 */
export function ProblemBox({ error, fields = [] }: { error: ApiError | null | undefined; fields?: string[] }) {
  if (!error) return null;
  const { headline, detail, loose } = explainProblem(error, fields);
  return (
    <div className="problem" role="alert">
      <strong>{headline}</strong>
      {detail ? <div>{detail}</div> : null}
      {loose.length > 0 && (
        <ul>
          {loose.map((e, i) => (
            <li key={i}>
              {e.label ? <>{e.label}: </> : null}
              {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The plain messages of one field (and the fields under it), under its input; `id` lets the input point at them. */
export function FieldErrors({ error, name, id }: { error: ApiError | null | undefined; name: string; id?: string }) {
  const messages = fieldMessages(error, name);
  if (messages.length === 0) return null;
  return (
    <div id={id} className="field-errors">
      {messages.map((m) => (
        <div key={m} className="field-error" data-field={name}>
          {m}
        </div>
      ))}
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'>;

export function Field({
  label, name, value, onChange, error, hint, ...rest
}: { label: string; name: string; value: string; onChange: (v: string) => void; error?: ApiError | null; hint?: ReactNode } & InputProps) {
  const invalid = fieldMessages(error, name).length > 0;
  const id = `f-${name}`;
  const described = [hint ? `${id}-hint` : '', invalid ? `${id}-errors` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${invalid ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid} aria-describedby={described} {...rest} />
      {hint && <div className="hint" id={`${id}-hint`}>{hint}</div>}
      <FieldErrors error={error} name={name} id={`${id}-errors`} />
    </div>
  );
}

/** The end of an edit form: the problem of the last save, "Saved." after one, and the Save button. */
export function SaveFooter({ error, fields, saved, pending }: { error: ApiError | null; fields: string[]; saved: boolean; pending: boolean }) {
  return (
    <>
      <ProblemBox error={error} fields={fields} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" disabled={pending}>
        Save
      </button>
    </>
  );
}

/**
 * The actions under the editor of something that holds a secret (an OAuth client, a webhook, an
 * integration): Save (the form's submit), Rotate secret when it has one, Delete, and what refused the last two.
 */
export function SecretHolderActions({ saving, saved, onRotate, onDelete, rotationError, removalError }: {
  saving: boolean;
  saved: boolean;
  onRotate?: () => Promise<void>;
  onDelete: () => Promise<void>;
  rotationError: ApiError | null;
  removalError: ApiError | null;
}) {
  return (
    <>
      {saved && <p role="status">Saved.</p>}
      <div className="row">
        <button type="submit" disabled={saving}>
          Save
        </button>
        {onRotate && (
          <button type="button" className="secondary" onClick={() => void onRotate()}>
            Rotate secret
          </button>
        )}
        <DeleteButton onDelete={onDelete} />
      </div>
      <ProblemBox error={rotationError} />
      <ProblemBox error={removalError} />
    </>
  );
}

/** A form's Delete button: `onDelete` asks for confirmation and deletes. */
export function DeleteButton({ onDelete }: { onDelete: () => Promise<void> }) {
  return (
    <button type="button" className="danger" onClick={() => void onDelete()}>
      Delete
    </button>
  );
}

export function TextArea({ label, name, value, onChange, error }: { label: string; name: string; value: string; onChange: (v: string) => void; error?: ApiError | null }) {
  const invalid = fieldMessages(error, name).length > 0;
  const id = `f-${name}`;
  return (
    <div className={`field${invalid ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} name={name} value={value} rows={3} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid} aria-describedby={invalid ? `${id}-errors` : undefined} />
      <FieldErrors error={error} name={name} id={`${id}-errors`} />
    </div>
  );
}

export function Toggle({ label, name, checked, onChange }: { label: string; name: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="toggle">
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}
    </label>
  );
}

/** A new password with the server's policy checked as the user types (POST /validate-password). */
export function PasswordField({ label, name, value, onChange, error }: { label: string; name: string; value: string; onChange: (v: string) => void; error?: ApiError | null }) {
  const [problems, setProblems] = useState<string[]>([]);
  useEffect(() => {
    if (!value) {
      setProblems([]);
      return;
    }
    const timer = setTimeout(() => {
      api.post<PasswordValidation>(url('/validate-password'), { password: value }).then(
        (r) => setProblems(r.errors),
        () => setProblems([]),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [value]);
  return (
    <Field
      label={label} name={name} type="password" autoComplete="new-password" value={value} onChange={onChange} error={error}
      hint={problems.length ? <span className="warn">{problems.join('; ')}</span> : undefined}
    />
  );
}

export function Tabs({ tabs, active }: { tabs: Array<{ id: string; label: string; to: string }>; active: string }) {
  return (
    <nav className="tabs" role="tablist">
      {tabs.map((t) => (
        <Link key={t.id} to={t.to} role="tab" aria-selected={t.id === active} className={t.id === active ? 'active' : ''}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </header>
  );
}

/** Copy (to the clipboard) and Done: the buttons under a secret shown once. */
export function CopyThenDone({ text, onDone }: { text: string | null; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    if (text !== null) void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div className="row">
      {text !== null && <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>}
      <button type="button" className="secondary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

/**
 * Shows a secret exactly once (a new API token by default; a client, signing or integration secret),
 * with Copy and Done; it is gone once dismissed. `children` come first (what goes with the secret: a
 * client ID, a URL); `secret` null shows them alone (a public client has none).
 */
export function SecretOnce({
  secret, onDone, label = 'New token', intro = 'Copy this token now. It will not be shown again.', testId = 'secret', children,
}: {
  secret: string | null;
  onDone: () => void;
  /** The dialog's name. */
  label?: string;
  intro?: string;
  /** The secret's data-testid. */
  testId?: string;
  children?: ReactNode;
}) {
  return (
    <div className="secret" role="dialog" aria-label={label}>
      {children}
      {secret !== null && (
        <>
          <p>{intro}</p>
          <code className="secret-value" data-testid={testId}>
            {secret}
          </code>
        </>
      )}
      <CopyThenDone text={secret} onDone={onDone} />
    </div>
  );
}

export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
}

export interface PagedTableProps<T> {
  source: (query: { page: number; size: number; q: string }) => string;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  size?: number;
  reloadKey?: unknown;
  searchLabel?: string;
  /** Told what the last load failed with (undefined once one succeeds): a page can then leave out what would be refused alike. */
  onProblem?: (error: ApiError | undefined) => void;
}

/**
 * A server-paged list with a search box, page navigation, loading, empty and error states.
 * `source(page, size, q)` returns the URL of one page.
 */
export function PagedTable<T>({ source, columns, rowKey, empty, size = 20, reloadKey, searchLabel = 'Search', onProblem }: PagedTableProps<T>) {
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(typed.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const target = source({ page, size, q });
  const { data, error, loading } = useAsync(() => api.get<Page<T>>(target), [target, reloadKey]);
  useEffect(() => {
    if (!loading) onProblem?.(error);
  }, [error, loading]);
  const pages = data ? Math.max(1, Math.ceil(data.total / (data.size || size))) : 1;
  return (
    <div className="paged">
      <input className="search" type="search" placeholder={searchLabel} aria-label={searchLabel} value={typed} onChange={(e) => setTyped(e.target.value)} />
      {error ? (
        <ProblemBox error={error} />
      ) : !data ? (
        <Loading />
      ) : data.results.length === 0 ? (
        <Empty>{q ? `Nothing matches “${q}”.` : empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table className={loading ? 'stale' : ''}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.label}>{c.label || <span className="visually-hidden">Actions</span>}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.results.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((c) => (
                    <td key={c.label}>{c.render(row)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.total > 0 && (
        <div className="pager">
          <button type="button" className="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {pages} · {data.total} total
          </span>
          <button type="button" className="secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(undefined, { timeZone: currentTimeZone() });
}

let timeZone: string | undefined;
/** The profile's time zone (applied to every date the console shows). */
export function setTimeZone(zone: string | null | undefined): void {
  timeZone = zone || undefined;
}
function currentTimeZone(): string | undefined {
  return timeZone;
}
