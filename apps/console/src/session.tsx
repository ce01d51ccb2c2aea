import type { Action, Decision, Permission, SetupStatus, UserView } from '@gatehouse/contracts';
import { createContext, ReactNode, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api, ApiError, currentToken, currentUserId, impersonation, ImpersonationState, SecondStep, session, url } from './api/client';
import { assertPasskey } from './api/passkeys';

interface AuthState {
  setup: SetupStatus | null;
  me: UserView | null;
  /** False until the set-up status is known and the session cookie, if any, has been tried. */
  ready: boolean;
  signIn(username: string, password: string): Promise<void>;
  /** After a sign-in answered `mfa-required`: its token and the second factor. */
  completeSignIn(secondStep: SecondStep): Promise<void>;
  /** Signs in with a passkey alone (the browser asks which one). */
  passkeySignIn(): Promise<void>;
  /** Finishes a sign-in at an identity provider (docs/federation.md): the callback's query and the start's binding. */
  federatedSignIn(query: string, binding: string): Promise<void>;
  signOut(): Promise<void>;
  reloadSetup(): Promise<void>;
  reloadMe(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [setup, setSetup] = useState<SetupStatus | null>(null);
  const [me, setMe] = useState<UserView | null>(null);
  const [ready, setReady] = useState(false);
  const meRef = useRef<UserView | null>(null);
  meRef.current = me;
  const loading = useRef<{ token: string | null; done: Promise<void> } | null>(null);

  const reloadSetup = useCallback(async () => {
    setSetup(await api.get<SetupStatus>(url('/setup')));
  }, []);
  const reloadMe = useCallback(async () => {
    setMe(session.signedIn ? await api.get<UserView>(url('/me')) : null);
  }, []);

  /** Shows the session's user: loads /me unless it is that user's already (or loading); none when signed out. */
  const follow = useCallback((again = false): Promise<void> => {
    if (!session.signedIn) {
      meRef.current = null;
      setMe(null);
      return Promise.resolve();
    }
    // The token's subject, when it can be read: a tab whose session became another user's follows it, and
    // an impersonation shows the user acted as.
    const userId = currentUserId();
    if (!again && meRef.current && (userId === null || meRef.current.id === userId)) return Promise.resolve();
    const token = currentToken();
    if (loading.current?.token === token) return loading.current.done;
    const done = api
      .get<UserView>(url('/me'))
      .then((user) => {
        if (currentToken() !== token && currentUserId() !== user.id) return;
        meRef.current = user;
        setMe(user);
      })
      .finally(() => {
        if (loading.current?.done === done) loading.current = null;
      });
    loading.current = { token, done };
    return done;
  }, []);

  useEffect(() => {
    // A reload, a bookmark or a new tab: the session cookie (if any) gives this tab its access token.
    const restored = session.restore().then((signedIn) => (signedIn ? follow() : undefined));
    void Promise.allSettled([reloadSetup().catch(() => setSetup(null)), restored]).then(() => setReady(true));
    // Signed in or out here or in another tab (whose session every tab shares: it may be someone else's now),
    // or an impersonation started or ended in this tab.
    const changed = (again: boolean) => () => {
      capabilityCache.clear();
      follow(again).catch(() => undefined);
    };
    // The user is read again when an impersonation starts or ends (the session's token may not tell whose it is).
    let acting = impersonation.actingAs;
    const actingChanged = changed(true);
    const unsubscribe = [
      session.onChange(changed(false)),
      impersonation.onChange(() => {
        if (impersonation.actingAs === acting) return; // a notice dismissed
        acting = impersonation.actingAs;
        actingChanged();
      }),
    ];
    return () => unsubscribe.forEach((u) => u());
  }, [reloadSetup, follow]);

  /** Shows the user of a session just started (by `start`); signed out again when that fails. */
  const adopt = useCallback(
    async (start: () => Promise<void>) => {
      await start();
      try {
        await follow();
      } catch (error) {
        await session.signOut();
        throw error;
      }
    },
    [follow],
  );

  const signIn = useCallback((username: string, password: string) => adopt(() => session.signIn(username, password)), [adopt]);
  const completeSignIn = useCallback((secondStep: SecondStep) => adopt(() => session.completeSignIn(secondStep)), [adopt]);
  const federatedSignIn = useCallback((query: string, binding: string) => adopt(() => session.federatedSignIn(query, binding)), [adopt]);
  const passkeySignIn = useCallback(
    () =>
      adopt(async () => {
        const { options } = await api.post<{ options: Record<string, unknown> }>(url('/login/passkey/options'));
        await session.passkeySignIn(await assertPasskey(options));
      }),
    [adopt],
  );

  const signOut = useCallback(async () => {
    impersonation.stop();
    await session.signOut();
    meRef.current = null;
    setMe(null);
  }, []);

  return <AuthContext.Provider value={{ setup, me, ready, signIn, completeSignIn, passkeySignIn, federatedSignIn, signOut, reloadSetup, reloadMe }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** Tenants are addressed by id; the default (null) tenant by the `default` segment. */
export const DEFAULT_SEGMENT = 'default';

// ---------------------------------------------------------------------------------------------------
// What the signed-in subject may do. The decision API answers when the server has it; otherwise each
// section's list is probed and a 403 (or a route the server does not have) hides the section.

const ACTIONS: Action[] = ['CREATE', 'READ', 'UPDATE', 'DELETE'];

const TENANT_PROBES: Partial<Record<Permission, string>> = {
  USER: '/tenant-access',
  TENANT_ACCESS: '/tenant-access',
  SERVICE_ACCOUNT: '/service-accounts',
  GROUP: '/groups',
  GROUP_MEMBERSHIP: '/groups',
  ROLE: '/roles',
  BINDING: '/bindings',
  AUDITLOG: '/auditlogs/search',
  INVITATION: '/invitations',
};
const INSTANCE_PROBES: Partial<Record<Permission, string>> = { TENANT: '/tenants', USER: '/users', AUDITLOG: '/auditlogs/search' };
/** Asked of the decision API only (no list tells them): not offered where the server has no such API. */
const TENANT_DECISIONS_ONLY: Array<{ permission: Permission; action: Action }> = [{ permission: 'IMPERSONATE', action: 'CREATE' }];

export interface Capabilities {
  can(permission: Permission, action?: Action): boolean;
  /** How the answer was obtained: the decision API, or probing the lists. */
  source: 'decisions' | 'probes';
}

const capabilityCache = new Map<string, Promise<Capabilities>>();

async function loadCapabilities(tenant: string | null): Promise<Capabilities> {
  const probes = tenant === null ? INSTANCE_PROBES : TENANT_PROBES;
  const prefix = tenant === null ? '' : `/${encodeURIComponent(tenant)}`;
  const permissions = Object.keys(probes) as Permission[];
  const checks = [...permissions.flatMap((permission) => ACTIONS.map((action) => ({ permission, action }))), ...(tenant === null ? [] : TENANT_DECISIONS_ONLY)];
  try {
    const decisions = await api.post<Decision[]>(url(`${prefix}/acls/check`), { checks });
    const allowed = new Set(checks.filter((_, i) => decisions[i]?.allowed).map((c) => `${c.permission}:${c.action}`));
    return { source: 'decisions', can: (p, a = 'READ') => allowed.has(`${p}:${a}`) };
  } catch (error) {
    if (!(error instanceof ApiError) || ![404, 405].includes(error.status)) throw error;
  }
  const paths = [...new Set(Object.values(probes))];
  const answers = await Promise.all(
    paths.map((path) =>
      api.get(url(prefix + path, { size: 1 })).then(
        () => true,
        () => false,
      ),
    ),
  );
  const readable = new Set(paths.filter((_, i) => answers[i]));
  return { source: 'probes', can: (p) => readable.has(probes[p] ?? '') };
}

/** Capabilities at instance level (tenant = null) or in a tenant; null while loading. */
export function useCapabilities(tenant: string | null): Capabilities | null {
  const { me } = useAuth();
  const key = `${me?.id ?? ''}|${tenant ?? '*'}`;
  const [caps, setCaps] = useState<{ key: string; caps: Capabilities } | null>(null);
  useEffect(() => {
    if (!me) return;
    let cancelled = false;
    let promise = capabilityCache.get(key);
    if (!promise) {
      promise = loadCapabilities(tenant).catch(() => ({ source: 'probes' as const, can: () => false }));
      capabilityCache.set(key, promise);
    }
    void promise.then((c) => !cancelled && setCaps({ key, caps: c }));
    return () => {
      cancelled = true;
    };
  }, [key, me, tenant]);
  return caps?.key === key ? caps.caps : null;
}

/** Whether this tab's session is good for setting up a second factor only (an MFA policy requires one). */
export function useEnrolmentOnly(): boolean {
  return useSyncExternalStore(
    (listener) => session.onChange(listener),
    () => session.enrolmentOnly,
  );
}

/** The impersonation under way in this tab, if any, and the notice of one that ended by itself. */
export function useImpersonation(): ImpersonationState {
  return useSyncExternalStore(
    (listener) => impersonation.onChange(listener),
    () => impersonation.snapshot,
  );
}
