import { FormEvent, KeyboardEvent, ReactNode, useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { checkValue, Rule } from './checks';

/**
 * The console's one way to ask and to tell, instead of the browser's confirm(), prompt() and alert():
 * `confirmAction` (a deletion asks to type the name), `promptText`, and `notify` (a success notice).
 * `FeedbackHost`, mounted once at the root, shows them: one dialog at a time (the others wait their turn),
 * modal, focus kept inside and given back where it was, Escape cancels. Notices sit in a polite live
 * region until dismissed or until the page after the next one: no timer runs.
 */

export interface ConfirmOptions {
  title: string;
  /** What confirming does, in a sentence or two. */
  body: ReactNode;
  confirmLabel: string;
  /** A destructive action: the confirm button is red. */
  danger?: boolean;
  /** Confirming needs this typed exactly (a deletion: the name of what is deleted). */
  typeToConfirm?: string;
}

export interface PromptOptions {
  title: string;
  label: string;
  initial?: string;
  confirmLabel?: string;
  body?: ReactNode;
  /** Checked before the answer is taken (the server's rule for that value). */
  rule?: Rule;
}

type Question = { id: number; returnFocus: HTMLElement | null } & (
  | { kind: 'confirm'; options: ConfirmOptions; answer: (confirmed: boolean) => void }
  | { kind: 'prompt'; options: PromptOptions; answer: (text: string | null) => void }
);

interface Notice {
  id: number;
  message: string;
  /** Set until the code that raised it has finished: a navigation it makes right after keeps the notice. */
  fresh: boolean;
}

interface FeedbackState {
  questions: Question[];
  notices: Notice[];
}

let state: FeedbackState = { questions: [], notices: [] };
let nextId = 1;
let hosts = 0;
const listeners = new Set<() => void>();

function update(next: FeedbackState): void {
  state = next;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function ask(question: Question): void {
  if (hosts === 0) throw new Error('No FeedbackHost is mounted: the console renders one at its root');
  update({ ...state, questions: [...state.questions, question] });
}

function settle(id: number): void {
  update({ ...state, questions: state.questions.filter((q) => q.id !== id) });
}

/** Asks for a confirmation in an in-app dialog: true once confirmed, false when cancelled. */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => ask({ id: nextId++, returnFocus: focused(), kind: 'confirm', options, answer: resolve }));
}

/** Asks for a line of text in an in-app dialog: the text (trimmed), or null when cancelled. */
export function promptText(options: PromptOptions): Promise<string | null> {
  return new Promise((resolve) => ask({ id: nextId++, returnFocus: focused(), kind: 'prompt', options, answer: resolve }));
}

/** A success notice ("Group deleted."), announced politely; it stays until dismissed or the page after next. */
export function notify(message: string): void {
  const notice: Notice = { id: nextId++, message, fresh: true };
  update({ ...state, notices: [...state.notices.filter((n) => n.message !== message), notice].slice(-3) });
  queueMicrotask(() => {
    notice.fresh = false;
  });
}

/** What has the focus when a question is asked (the button that asked it): it gets the focus back after. */
const focused = (): HTMLElement | null => (document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null);

/**
 * Gives the focus back to `element`: at once, or, while it is disabled (its form is still busy with the
 * action that asked), as soon as it is enabled again, unless the focus went somewhere else meanwhile.
 */
function giveFocusBack(element: HTMLElement | null): void {
  if (!element?.isConnected) return;
  if (!(element as HTMLButtonElement).disabled) {
    element.focus();
    return;
  }
  const observer = new MutationObserver(() => {
    if ((element as HTMLButtonElement).disabled) return;
    observer.disconnect();
    const elsewhere = document.activeElement && document.activeElement !== document.body;
    if (element.isConnected && !elsewhere) element.focus();
  });
  observer.observe(element, { attributes: true, attributeFilter: ['disabled'] });
}

function dismiss(id: number): void {
  update({ ...state, notices: state.notices.filter((n) => n.id !== id) });
}

/** On a navigation: the notices of the page left behind go, the one the navigating code just raised stays. */
function leavePage(): void {
  if (state.notices.length === 0) return;
  update({ ...state, notices: state.notices.filter((n) => n.fresh) });
}

/** Drops every question (answered as cancelled) and notice: between unit specs. */
export function resetFeedback(): void {
  for (const q of state.questions) {
    if (q.kind === 'confirm') q.answer(false);
    else q.answer(null);
  }
  update({ questions: [], notices: [] });
}

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/** Keeps Tab and Shift+Tab inside the dialog; Escape cancels. */
function trapKeys(event: KeyboardEvent<HTMLElement>, cancel: () => void): void {
  if (event.key === 'Escape') {
    event.preventDefault();
    cancel();
    return;
  }
  if (event.key !== 'Tab') return;
  const items = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

function QuestionDialog({ question }: { question: Question }) {
  const titleId = useId();
  const bodyId = useId();
  const inputId = useId();
  const initial = question.kind === 'prompt' ? (question.options.initial ?? '') : '';
  const [text, setText] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    (first.current ?? cancelButton.current)?.focus();
    if (first.current && question.kind === 'prompt') first.current.select();
    return () => giveFocusBack(question.returnFocus);
  }, [question]);
  const cancel = () => {
    settle(question.id);
    if (question.kind === 'confirm') question.answer(false);
    else question.answer(null);
  };
  const typed = question.kind === 'confirm' ? question.options.typeToConfirm : undefined;
  const ready = typed === undefined || text === typed;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (question.kind === 'confirm') {
      if (!ready) return;
      settle(question.id);
      question.answer(true);
      return;
    }
    const value = text.trim();
    const refused = checkValue({ required: true, ...question.options.rule }, value);
    if (refused) {
      setProblem(refused);
      return;
    }
    settle(question.id);
    question.answer(value);
  };
  const { options } = question;
  const confirmLabel = options.confirmLabel ?? 'OK';
  const danger = question.kind === 'confirm' && question.options.danger;
  return (
    <div className="modal-backdrop">
      <form
        className="card dialog" role={question.kind === 'confirm' ? 'alertdialog' : 'dialog'} aria-modal="true" aria-labelledby={titleId}
        aria-describedby={options.body ? bodyId : undefined} onKeyDown={(e) => trapKeys(e, cancel)} onSubmit={onSubmit} noValidate
      >
        <h2 id={titleId}>{options.title}</h2>
        {options.body && (
          <div id={bodyId} className="dialog-body">
            {options.body}
          </div>
        )}
        {typed !== undefined && (
          <div className="field">
            <label htmlFor={inputId}>
              Type <strong>{typed}</strong> to confirm
            </label>
            <input id={inputId} ref={first} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" spellCheck={false} />
          </div>
        )}
        {question.kind === 'prompt' && (
          <div className={`field${problem ? ' invalid' : ''}`}>
            <label htmlFor={inputId}>{question.options.label}</label>
            <input
              id={inputId} ref={first} value={text} aria-invalid={!!problem} aria-describedby={problem ? `${inputId}-error` : undefined}
              onChange={(e) => { setText(e.target.value); setProblem(null); }} autoComplete="off"
            />
            {problem && <div className="field-error" id={`${inputId}-error`}>{problem}</div>}
          </div>
        )}
        <div className="row dialog-actions">
          <button type="submit" className={danger ? 'danger' : ''} disabled={!ready}>
            {confirmLabel}
          </button>
          <button type="button" className="secondary" ref={cancelButton} onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

/** Where the dialogs and notices appear: mounted once, at the root of the console. */
export function FeedbackHost() {
  const current = useSyncExternalStore(subscribe, () => state);
  useEffect(() => {
    hosts += 1;
    window.addEventListener('popstate', leavePage);
    return () => {
      hosts -= 1;
      window.removeEventListener('popstate', leavePage);
    };
  }, []);
  const question = current.questions[0];
  return (
    <>
      <div className="notices" aria-live="polite" aria-label="Notices" role="region">
        {current.notices.map((n) => (
          <div key={n.id} className="notice" data-testid="notice">
            <span>{n.message}</span>
            <button type="button" className="link" onClick={() => dismiss(n.id)} aria-label={`Dismiss: ${n.message}`}>
              Dismiss
            </button>
          </div>
        ))}
      </div>
      {question && <QuestionDialog key={question.id} question={question} />}
    </>
  );
}
