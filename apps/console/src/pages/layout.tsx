import type { ReachableTenant, UserSettingsView } from '@gatehouse/contracts';
import { FormEvent, ReactNode, useEffect, useRef, useState } from 'react';
import { api, impersonation, url } from '../api/client';
import { Link, navigate, useLocation } from '../router';
import { Capabilities, DEFAULT_SEGMENT, useAuth, useCapabilities, useImpersonation } from '../session';
import { setTimeZone } from '../ui/kit';

const RECENT_KEY = 'gatehouse.recentTenants';

function recentTenants(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string').slice(0, 8) : [];
  } catch {
    return [];
  }
}

export function rememberTenant(tenant: string): void {
  const list = [tenant, ...recentTenants().filter((t) => t !== tenant)].slice(0, 8);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

export function applyTheme(theme: string | null | undefined): void {
  document.documentElement.dataset.theme = theme === 'light' || theme === 'dark' ? theme : '';
}

export const tenantLabel = (tenant: string) => (tenant === DEFAULT_SEGMENT ? 'Default tenant' : tenant);

/** The tenants the signed-in subject can reach (`GET /me/tenants`), read again on each navigation so a new tenant shows at once. */
function TenantSwitcher({ current }: { current: string | null }) {
  const { setup } = useAuth();
  const { path } = useLocation();
  const [listed, setListed] = useState<string[]>([]);
  const [other, setOther] = useState('');
  useEffect(() => {
    api.get<{ results: ReachableTenant[] }>(url('/me/tenants')).then(
      (answer) => setListed(answer.results.map((t) => t.id ?? DEFAULT_SEGMENT)),
      () => setListed([]),
    );
  }, [path]);
  if (setup && !setup.multiTenancy.enabled) return null;
  const options = new Set<string>(listed);
  if (current) options.add(current);
  const go = (event: FormEvent) => {
    event.preventDefault();
    const id = other.trim().toLowerCase();
    if (id) navigate(`/t/${encodeURIComponent(id)}`);
    setOther('');
  };
  return (
    <div className="tenant-switcher">
      <label htmlFor="tenant-select">Tenant</label>
      <select id="tenant-select" value={current ?? ''} onChange={(e) => e.target.value && navigate(`/t/${encodeURIComponent(e.target.value)}`)}>
        <option value="">{options.size ? 'Choose…' : 'No tenant yet'}</option>
        {[...options].map((t) => (
          <option key={t} value={t}>
            {tenantLabel(t)}
          </option>
        ))}
      </select>
      <form onSubmit={go}>
        <input aria-label="Tenant id" placeholder="tenant id" value={other} onChange={(e) => setOther(e.target.value)} size={10} />
      </form>
    </div>
  );
}

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { path } = useLocation();
  const active = path === to || path.startsWith(`${to}/`);
  return (
    <Link to={to} className={active ? 'active' : ''}>
      {children}
    </Link>
  );
}

/**
 * The tenant's administration sections the subject may open; `instance` adds Settings (rename, worker
 * group, delete) for TENANT holders. A tenant is managed from `/t/{id}` only.
 */
export function tenantSections(caps: Capabilities | null, instance: Capabilities | null = null): Array<{ id: string; label: string }> {
  if (!caps) return [];
  return [
    { id: 'users', label: 'Users', show: caps.can('TENANT_ACCESS') || caps.can('USER') },
    { id: 'service-accounts', label: 'Service accounts', show: caps.can('SERVICE_ACCOUNT') },
    { id: 'oauth-clients', label: 'OAuth clients', show: caps.can('SERVICE_ACCOUNT') },
    { id: 'integrations', label: 'Provisioning', show: caps.can('USER') },
    { id: 'identity-providers', label: 'Identity providers', show: caps.can('USER') },
    { id: 'groups', label: 'Groups', show: caps.can('GROUP') },
    { id: 'access', label: 'Access', show: caps.can('BINDING') },
    { id: 'invitations', label: 'Invitations', show: caps.can('INVITATION') },
    { id: 'roles', label: 'Roles', show: caps.can('ROLE') },
    { id: 'audit', label: 'Audit log', show: caps.can('AUDITLOG') },
    { id: 'webhooks', label: 'Webhooks', show: caps.can('AUDITLOG') },
    { id: 'settings', label: 'Settings', show: !!instance?.can('TENANT') },
  ].filter((s) => s.show);
}

/** Tokens whose banner took the focus once (module state: the shell is mounted again when `me` changes). */
const focused = new WeakSet<object>();

/**
 * At the top of every page while this tab acts as another user (an impersonation): who, where, and End,
 * which drops the token and comes back to the admin's own session on that user's page. Focused when it
 * appears, and announced (role=status); once an impersonation has expired, the notice saying so.
 */
export function ImpersonationBanner() {
  const { actingAs, notice } = useImpersonation();
  const banner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!actingAs) return;
    // When it appears, and again when the page under it was replaced (the console follows the user acted as)
    // and the focus went with it; not on every navigation.
    const lost = !document.activeElement || document.activeElement === document.body;
    if (focused.has(actingAs) && !lost) return;
    focused.add(actingAs);
    banner.current?.focus();
  }, [actingAs]);
  if (actingAs) {
    const end = () => {
      impersonation.stop();
      navigate(`/t/${encodeURIComponent(actingAs.tenant)}/users/${encodeURIComponent(actingAs.user.id)}`);
    };
    return (
      <div className="impersonation-banner" role="status" tabIndex={-1} ref={banner} data-testid="impersonation-banner">
        <span>
          You are acting as <strong>{actingAs.user.username}</strong> in <strong>{tenantLabel(actingAs.tenant)}</strong>
        </span>
        {' — '}
        <button type="button" className="small" onClick={end}>
          End
        </button>
      </div>
    );
  }
  if (notice) {
    return (
      <div className="impersonation-banner ended" role="status" tabIndex={-1} data-testid="impersonation-notice">
        <span>{notice}</span>{' '}
        <button type="button" className="small secondary" onClick={() => impersonation.dismissNotice()}>
          Dismiss
        </button>
      </div>
    );
  }
  return null;
}

export function Shell({ tenant, children }: { tenant: string | null; children: ReactNode }) {
  const { me, signOut } = useAuth();
  const instance = useCapabilities(null);
  const caps = useCapabilities(tenant);
  const { path } = useLocation();
  // On a narrow screen the sidebar is a menu, opened by its button and closed by any navigation.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (!tenant) return;
    rememberTenant(tenant);
    // The profile's preferences of this tenant: theme and time zone.
    api.get<UserSettingsView>(url(`/${encodeURIComponent(tenant)}/settings/me`)).then(
      (settings) => {
        applyTheme(settings.theme);
        setTimeZone(settings.timezone);
      },
      () => undefined,
    );
  }, [tenant]);
  const sections = tenant ? tenantSections(caps, instance) : [];
  const admin = instance ? [
    { to: '/admin/tenants', label: 'Tenants', show: instance.can('TENANT') },
    { to: '/admin/users', label: 'Users', show: instance.can('USER') },
    { to: '/admin/audit', label: 'Audit log', show: instance.can('AUDITLOG') },
    { to: '/admin/webhooks', label: 'Webhooks', show: !!me?.superAdmin },
    { to: '/admin/identity-providers', label: 'Identity providers', show: instance.can('TENANT') },
  ].filter((a) => a.show) : [];
  return (
    <div className="shell">
      <ImpersonationBanner />
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="menu-button secondary" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <Link to="/" className="brand">
          Gatehouse
        </Link>
        <TenantSwitcher current={tenant} />
        <div className="user-menu">
          <NavLink to="/me">{me?.username ?? 'Profile'}</NavLink>
          <button type="button" className="link" onClick={() => void signOut().then(() => navigate('/login'))}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        <nav id="sidebar" className={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Sections">
          {tenant && (
            <section>
              <h2>{tenantLabel(tenant)}</h2>
              {!caps ? (
                <span className="muted">…</span>
              ) : sections.length === 0 ? (
                <span className="muted" data-testid="no-admin">No administration here</span>
              ) : (
                sections.map((s) => (
                  <NavLink key={s.id} to={`/t/${encodeURIComponent(tenant)}/${s.id}`}>
                    {s.label}
                  </NavLink>
                ))
              )}
            </section>
          )}
          {admin.length > 0 && (
            <section data-testid="administration">
              <h2>Administration</h2>
              {admin.map((a) => (
                <NavLink key={a.to} to={a.to}>
                  {a.label}
                </NavLink>
              ))}
            </section>
          )}
          <section>
            <h2>Me</h2>
            <NavLink to="/me">Profile</NavLink>
            <NavLink to="/me/sessions">Sessions</NavLink>
            <NavLink to="/me/security">Security</NavLink>
            <NavLink to="/me/api-tokens">API tokens</NavLink>
          </section>
        </nav>
        <main className="content" id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
