import { ComponentType, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { match, Redirect, useLocation } from './router';
import { AuthProvider, DEFAULT_SEGMENT, useAuth, useCapabilities, useEnrolmentOnly } from './session';
import { FeedbackHost } from './ui/feedback';
import { Empty, Loading, PageHeader } from './ui/kit';
import { AuditPage } from './pages/audit';
import { InvitationsPage } from './pages/invitations';
import { MfaEnrolmentPage } from './pages/mfa-enrolment';
import { StepUpDialog } from './pages/step-up';
import { Shell, tenantLabel, tenantSections } from './pages/layout';
import { FederationCallbackPage } from './pages/federated-sign-in';
import { IdentityProvidersSection } from './pages/identity-providers';
import { IntegrationsSection } from './pages/integrations';
import { OAuthClientsSection } from './pages/oauth-clients';
import { WebhooksSection } from './pages/webhooks';
import { OidcInteractionPage } from './pages/oidc-interaction';
import { OidcLogoutDonePage, OidcLogoutPage } from './pages/oidc-logout';
import { ProfilePage } from './pages/profile';
import { AcceptInvitationPage, ForgottenPasswordPage, LoginPage, PasswordChangeRequiredPage, ResetPasswordPage, SetupPage, VerifyEmailPage } from './pages/public';
import { TenantSection } from './pages/tenant-sections';
import { CreateTenantPage, TenantsPage } from './pages/tenants';
import { CreateUserPage, UserDetailPage, UsersList } from './pages/users';
import { Link } from './router';
import './styles.css';

const PUBLIC: Record<string, ComponentType> = {
  '/login': LoginPage,
  '/forgotten-password': ForgottenPasswordPage,
  '/reset-password': ResetPasswordPage,
  '/verify-email': VerifyEmailPage,
  '/password-change-required': PasswordChangeRequiredPage,
  '/invitations/accept': AcceptInvitationPage,
  '/federation/callback': FederationCallbackPage,
};

/** Old paths still linked from emails already sent, and where they lead now. */
const MOVED: Record<string, string> = {
  '/forgot-password': '/forgotten-password',
};

function TenantHome({ tenant }: { tenant: string }) {
  const caps = useCapabilities(tenant);
  const instance = useCapabilities(null);
  if (!caps) return <Loading />;
  const sections = tenantSections(caps, instance);
  return (
    <div>
      <PageHeader title={tenantLabel(tenant)} />
      {sections.length === 0 ? (
        <Empty>
          <span data-testid="no-admin-home">You have no administration rights in this tenant. Your profile and API tokens are under “Me”.</span>
        </Empty>
      ) : (
        <ul className="tiles">
          {sections.map((s) => (
            <li key={s.id}>
              <Link to={`/t/${encodeURIComponent(tenant)}/${s.id}`}>{s.label}</Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Where `/` leads: the default tenant when there is one, else the tenant list or the profile. */
function Home() {
  const { setup } = useAuth();
  const instance = useCapabilities(null);
  if (!setup || !instance) return <Loading />;
  if (!setup.multiTenancy.enabled || setup.multiTenancy.defaultTenant) return <Redirect to={`/t/${DEFAULT_SEGMENT}`} />;
  return <Redirect to={instance.can('TENANT') ? '/admin/tenants' : '/me'} />;
}

function lastTenant(): string | null {
  try {
    const list: unknown = JSON.parse(localStorage.getItem('gatehouse.recentTenants') ?? '[]');
    return Array.isArray(list) && typeof list[0] === 'string' ? list[0] : null;
  } catch {
    return null;
  }
}

function SignedIn({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if ((m = match('/t/:tenant', path))) return <Shell tenant={m.tenant}><TenantHome tenant={m.tenant} /></Shell>;
  if ((m = match('/t/:tenant/invitations', path))) return <Shell tenant={m.tenant}><InvitationsPage tenant={m.tenant} /></Shell>;
  if ((m = match('/t/:tenant/oauth-clients/*', path)) || (m = match('/t/:tenant/oauth-clients', path))) {
    return <Shell tenant={m.tenant}><OAuthClientsSection tenant={m.tenant} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/t/:tenant/webhooks/*', path)) || (m = match('/t/:tenant/webhooks', path))) {
    return <Shell tenant={m.tenant}><WebhooksSection tenant={m.tenant} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/t/:tenant/identity-providers/*', path)) || (m = match('/t/:tenant/identity-providers', path))) {
    return <Shell tenant={m.tenant}><IdentityProvidersSection tenant={m.tenant} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/t/:tenant/integrations/*', path)) || (m = match('/t/:tenant/integrations', path))) {
    return <Shell tenant={m.tenant}><IntegrationsSection tenant={m.tenant} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/t/:tenant/:section/*', path)) || (m = match('/t/:tenant/:section', path))) {
    const tenant = m.tenant;
    return (
      <Shell tenant={tenant}>
        <TenantSection tenant={tenant} section={m.section} rest={m['*'] ?? ''} base={`/t/${encodeURIComponent(tenant)}/${m.section}`} />
      </Shell>
    );
  }
  if (path === '/admin/tenants') return <Shell tenant={null}><TenantsPage /></Shell>;
  if (path === '/admin/tenants/new') return <Shell tenant={null}><CreateTenantPage /></Shell>;
  // One navigation per tenant: the old per-tenant administration pages lead to /t/{id}.
  if ((m = match('/admin/tenants/:id/:tab/*', path)) || (m = match('/admin/tenants/:id/:tab', path)) || (m = match('/admin/tenants/:id', path))) {
    const tab = !m.tab || m.tab === 'overview' ? 'settings' : m.tab;
    return <Redirect to={`/t/${encodeURIComponent(m.id)}/${tab}${m['*'] ? `/${m['*']}` : ''}`} />;
  }
  if (path === '/admin/users') return <Shell tenant={null}><UsersList tenant={null} base="/admin/users" /></Shell>;
  if (path === '/admin/users/new') return <Shell tenant={null}><CreateUserPage tenant={null} base="/admin/users" /></Shell>;
  if ((m = match('/admin/users/:id/:tab', path)) || (m = match('/admin/users/:id', path))) {
    return <Shell tenant={null}><UserDetailPage tenant={null} base="/admin/users" id={m.id} tab={m.tab ?? 'overview'} /></Shell>;
  }
  if (path === '/admin/audit') return <Shell tenant={null}><AuditPage tenant={null} /></Shell>;
  if ((m = match('/admin/identity-providers/*', path)) || (m = match('/admin/identity-providers', path))) {
    return <Shell tenant={null}><IdentityProvidersSection tenant={null} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/admin/webhooks/*', path)) || (m = match('/admin/webhooks', path))) {
    return <Shell tenant={null}><WebhooksSection tenant={null} rest={m['*'] ?? ''} /></Shell>;
  }
  if ((m = match('/me/:tab', path)) || path === '/me') {
    const tenant = lastTenant();
    return <Shell tenant={tenant}><ProfilePage tab={m?.tab ?? 'overview'} tenant={tenant} /></Shell>;
  }
  if (path === '/') return <Home />;
  return <Shell tenant={null}><PageHeader title="Page not found" /><Empty>There is no such page.</Empty></Shell>;
}

function App() {
  const { ready, setup, me } = useAuth();
  const enrolmentOnly = useEnrolmentOnly();
  const { path, query } = useLocation();
  if (!ready) return <Loading />;
  if (setup && !setup.setupComplete) return path === '/setup' ? <SetupPage /> : <Redirect to="/setup" />;
  // An application's sign-in through the OpenID Connect provider: whoever is signed in to the console.
  const interaction = match('/oidc/interaction/:uid', path);
  if (interaction) return <OidcInteractionPage uid={interaction.uid} />;
  // The provider's logout confirmation and success pages (RP-initiated logout).
  if (path === '/oidc/logout') return <OidcLogoutPage />;
  if (path === '/oidc/logout/done') return <OidcLogoutDonePage />;
  if (MOVED[path]) return <Redirect to={MOVED[path] + (query.toString() ? `?${query}` : '')} />;
  const Public = PUBLIC[path];
  if (Public) return me && path === '/login' ? <Redirect to={nextOf(query)} /> : <Public />;
  if (path === '/setup') return <Redirect to="/login" />;
  if (!me) {
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + (query.toString() ? `?${query}` : ''))}`;
    return <Redirect to={`/login${next}`} />;
  }
  // An MFA policy requires a second factor this user has not set up: the walk-through, then the full session.
  if (enrolmentOnly) return <MfaEnrolmentPage key={me.id} />;
  // Keyed by user: when another tab signs in as someone else (the tabs share one session), nothing of the previous user's pages stays.
  return <SignedIn key={me.id} path={path} />;
}

/** Where the sign-in page leads once signed in (here or in another tab): its `next`, if it is a path of the console. */
function nextOf(query: URLSearchParams): string {
  const next = query.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AuthProvider>
      <App />
      <StepUpDialog />
      <FeedbackHost />
    </AuthProvider>
  </StrictMode>,
);
