import type { FieldError, SetupStatus, TokenPair, UserView } from '@gatehouse/contracts';
import { render, RenderResult, waitFor, within } from '@testing-library/react';
import { ReactNode, useEffect } from 'react';
import { session } from '../api/client';
import { AuthProvider, useAuth } from '../session';
import { FeedbackHost, resetFeedback } from '../ui/feedback';

/**
 * A fake of the gateway for the console's unit specs: `global.fetch` is a jest.fn that answers from
 * routes the spec declares and records every request it was sent.
 */

export interface SentRequest {
  method: string;
  /** Path and query, as the console asked for it: `/api/v1/acme/groups?page=1`. */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when none was sent. */
  body: unknown;
}

export interface Reply {
  status?: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (an HTML error page, say). */
  text?: string;
}

/** A reply, a function of the request, or an Error (fetch rejects: the network is down). */
export type Answer = Reply | Error | ((request: SentRequest) => Reply | Promise<Reply>);

interface Route {
  method: string;
  path: string;
  answers: Answer[];
}

export interface FakeApi {
  /** Every request, in order. */
  readonly requests: SentRequest[];
  /** Answers `method path` (the path without its query) with the answers in turn; the last one repeats. */
  on(method: string, path: string, ...answers: Answer[]): FakeApi;
  /** The requests sent to `method path` (without the query). */
  sent(method: string, path: string): SentRequest[];
  readonly fetch: jest.Mock;
}

function installFakeApi(): FakeApi {
  const routes: Route[] = [];
  const requests: SentRequest[] = [];
  const fetch = jest.fn(async (input: string, init: RequestInit = {}) => {
    const url = String(input);
    const request: SentRequest = {
      method: init.method ?? 'GET',
      url,
      path: url.split('?')[0],
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    // The latest declaration of a route wins, so a spec can override what its beforeEach declared.
    const route = [...routes].reverse().find((r) => r.method === request.method && r.path === request.path);
    if (!route) return response({ status: 404, body: problem(404, 'Not Found', [], 'not-found') });
    const answer = route.answers.length > 1 ? (route.answers.shift() as Answer) : route.answers[0];
    if (answer instanceof Error) throw answer;
    return response(typeof answer === 'function' ? await answer(request) : answer);
  });
  globalThis.fetch = fetch as unknown as typeof globalThis.fetch;
  const api: FakeApi = {
    requests,
    fetch,
    on(method, path, ...answers) {
      routes.push({ method, path, answers });
      return api;
    },
    sent: (method, path) => requests.filter((r) => r.method === method && r.path === path),
  };
  return api;
}

/** The fake gateway of every test in a spec file: a fresh one before each test, the console reset after it. */
export function fakeApiForEachTest(): FakeApi {
  let current: FakeApi | undefined;
  beforeEach(() => {
    current = installFakeApi();
  });
  afterEach(resetConsole);
  const now = (): FakeApi => {
    if (!current) throw new Error('The fake API answers inside tests only');
    return current;
  };
  return {
    get requests() {
      return now().requests;
    },
    get fetch() {
      return now().fetch;
    },
    on: (method, path, ...answers) => now().on(method, path, ...answers),
    sent: (method, path) => now().sent(method, path),
  };
}

function response({ status = 200, body, text = body === undefined ? '' : JSON.stringify(body) }: Reply): Response {
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: '',
    text: async () => text,
  } as Response;
}

/** A problem+json answer (RFC 9457) as the gateway sends it. */
export function problem(status: number, title: string, errors: FieldError[] = [], slug = 'validation-failed', detail?: string) {
  return {
    type: `https://gatehouse.dev/problems/${slug}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(errors.length ? { errors } : {}),
  };
}

/** A 422 with field errors. */
export function invalid(...errors: FieldError[]): Reply {
  return { status: 422, body: problem(422, 'Validation failed', errors, 'validation-failed', 'The request is not valid') };
}

export function tokenPair(accessToken: string, refreshToken = `refresh-of-${accessToken}`, expiresIn = 900): TokenPair {
  return { tokenType: 'Bearer', accessToken, expiresIn, refreshToken, refreshExpiresIn: 86400 };
}

export function userView(fields: Partial<UserView> = {}): UserView {
  return {
    id: 'u-1',
    username: 'ada',
    email: 'ada@example.com',
    firstName: null,
    lastName: null,
    superAdmin: false,
    status: 'ACTIVE',
    authMethod: 'PASSWORD',
    lockedUntil: null,
    passwordChangeRequired: false,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  } as UserView;
}

export const setupStatus = (fields: { setupComplete?: boolean; enabled?: boolean; defaultTenant?: boolean } = {}): SetupStatus => ({
  setupComplete: fields.setupComplete ?? true,
  multiTenancy: { enabled: fields.enabled ?? false, defaultTenant: fields.defaultTenant ?? false },
  passwordPolicy: { minLength: 12 },
});

/** Puts the console at `/ui<path>` (the router reads window.location). */
export function visit(path: string): void {
  window.history.replaceState(null, '', `/ui${path}`);
}

/** The in-app location after a navigation: `/t/acme/groups/g-1/members`. */
export function currentPath(): string {
  return window.location.pathname.replace(/^\/ui/, '') + window.location.search;
}

function WhenSignedIn({ children }: { children: ReactNode }) {
  const { me, reloadMe } = useAuth();
  useEffect(() => {
    void reloadMe();
  }, [reloadMe]);
  return me ? <>{children}</> : null;
}

/**
 * Renders inside the AuthProvider, whose GET /setup answers `setup`. With `me`, the session is signed in as
 * that user first (GET /me answers it) and `ui` appears once the console knows who is signed in: find it
 * with `findBy...`.
 */
export function renderWithAuth(api: FakeApi, ui: ReactNode, { me, setup = setupStatus() }: { me?: UserView; setup?: SetupStatus } = {}): RenderResult {
  api.on('GET', '/api/v1/setup', { body: setup });
  // On load the console asks for the session of its cookie: none here, unless signed in below.
  api.on('POST', '/api/v1/session/refresh', { status: 401, body: problem(401, 'Unauthorized', [], 'unauthorized', 'No browser session: sign in') });
  if (!me) return render(<AuthProvider>{ui}<FeedbackHost /></AuthProvider>);
  api.on('GET', '/api/v1/me', { body: me });
  session.set(tokenPair('access-1'));
  return render(
    <AuthProvider>
      <WhenSignedIn>{ui}</WhenSignedIn>
      <FeedbackHost />
    </AuthProvider>,
  );
}

/** `ui` with the host of the console's dialogs and notices (ui/feedback), as the console's root has it. */
export function withFeedback(ui: ReactNode): ReactNode {
  return (
    <>
      {ui}
      <FeedbackHost />
    </>
  );
}

/** Answers the in-app dialog open now: types `typed` first when it asks for it, then presses `button`. */
export async function answerDialog(user: { click: (e: Element) => Promise<void>; type: (e: Element, text: string) => Promise<void> }, button: string, typed?: string): Promise<HTMLElement> {
  const dialog = await waitFor(() => {
    const open = document.querySelector<HTMLElement>('[role="alertdialog"], [role="dialog"][aria-modal="true"]');
    if (!open) throw new Error('No dialog is open');
    return open;
  });
  if (typed !== undefined) await user.type(within(dialog).getByRole('textbox'), typed);
  await user.click(within(dialog).getByRole('button', { name: button }));
  return dialog;
}

/** The messages shown under the field named `name` (Field renders them with data-field). */
export function fieldErrors(name: string): string[] {
  return [...document.querySelectorAll(`.field-error[data-field="${name}"]`)].map((e) => e.textContent ?? '');
}

/** Resets what the console keeps between renders: the session (and its refresh timer), the location. */
function resetConsole(): void {
  resetFeedback();
  session.set(null);
  visit('/');
  jest.restoreAllMocks();
}

// jsdom does not implement scrolling; the router scrolls to the top on each navigation.
window.scrollTo = () => undefined;
