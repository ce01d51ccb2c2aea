import type {
  Page, WebhookDeliveryDetail, WebhookDeliveryView, WebhookSubscriptionView, WebhookSubscriptionWithSecret,
} from '@gatehouse/contracts';
import { useState } from 'react';
import { api, ApiError, url } from '../api/client';
import { Link, match, navigate } from '../router';
import { Field, formatDate, Loading, PageHeader, ProblemBox, SecretHolderActions, SecretOnce, TextArea, Toggle, useAsync, useSubmit } from '../ui/kit';
import { CreatePage, ListPage, Loaded } from '../ui/resources';
import { useSecretHolder } from '../ui/secret-holder';
import { useAuth, useCapabilities } from '../session';

const FIELDS = ['url', 'description', 'eventTypes', 'enabled'];

/** Where a scope's webhooks live: the API base and the console base. `tenant` null: the instance-wide ones (Super Admins). */
export function webhookPaths(tenant: string | null): { api: string; base: string } {
  return tenant === null
    ? { api: url('/notifications/webhooks'), base: '/admin/webhooks' }
    : { api: url(`/${encodeURIComponent(tenant)}/webhooks`), base: `/t/${encodeURIComponent(tenant)}/webhooks` };
}

/** `/t/{tenant}/webhooks[/new | /{id} | /{id}/deliveries/{deliveryId}]`, and the same under `/admin/webhooks`. */
export function WebhooksSection({ tenant, rest }: { tenant: string | null; rest: string }) {
  const paths = webhookPaths(tenant);
  const path = `/${rest}`;
  if (path === '/new') return <WebhookCreatePage paths={paths} />;
  const delivery = match('/:id/deliveries/:deliveryId', path);
  if (delivery) return <DeliveryPage paths={paths} id={delivery.id} deliveryId={delivery.deliveryId} />;
  const detail = match('/:id', path);
  if (detail) return <WebhookPage paths={paths} id={detail.id} />;
  return <WebhooksList paths={paths} tenant={tenant} />;
}

type Paths = ReturnType<typeof webhookPaths>;

const status = (w: WebhookSubscriptionView) =>
  w.enabled ? 'Enabled' : w.disabledReason === 'FAILURES' ? 'Disabled: failures' : w.disabledReason === 'OWNER_LOST_ACCESS' ? 'Disabled: owner lost access' : 'Disabled';

function WebhooksList({ paths, tenant }: { paths: Paths; tenant: string | null }) {
  const instance = tenant === null;
  const { me } = useAuth();
  const caps = useCapabilities(tenant);
  return (
    <ListPage<WebhookSubscriptionView>
      title={instance ? 'Instance webhooks' : 'Webhooks'}
      base={paths.base}
      canCreate={instance ? !!me?.superAdmin : (caps?.can('AUDITLOG', 'CREATE') ?? false)}
      source={({ page, size, q }) => `${paths.api}?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`}
      rowKey={(w) => w.id}
      empty={`No webhooks yet. A webhook sends each ${instance ? 'instance-level ' : ''}audit event, signed, to an HTTPS endpoint of yours.`}
      searchLabel="Search webhooks"
      columns={[
        { label: 'URL', render: (w) => <Link to={`${paths.base}/${w.id}`}>{w.url}</Link> },
        { label: 'Events', render: (w) => (w.eventTypes.length ? w.eventTypes.join(', ') : 'All') },
        { label: 'Status', render: status },
        { label: 'Created', render: (w) => formatDate(w.createdAt) },
      ]}
    />
  );
}

interface WebhookForm {
  url: string;
  description: string;
  eventTypes: string;
  enabled: boolean;
}

const formOf = (w?: WebhookSubscriptionView): WebhookForm => ({
  url: w?.url ?? '',
  description: w?.description ?? '',
  eventTypes: (w?.eventTypes ?? []).join('\n'),
  enabled: w?.enabled ?? true,
});

const bodyOf = (form: WebhookForm) => ({
  url: form.url.trim(),
  description: form.description || null,
  eventTypes: form.eventTypes.split(/[\n,]/).map((e) => e.trim()).filter(Boolean),
  enabled: form.enabled,
});

function WebhookFields({ form, setForm, error }: { form: WebhookForm; setForm: (f: WebhookForm) => void; error: ApiError | null }) {
  return (
    <>
      <Field label="Endpoint URL (https)" name="url" value={form.url} onChange={(value) => setForm({ ...form, url: value })} error={error} />
      <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
      <TextArea
        label="Event types, one per line: RESOURCE.TYPE, * in either half (GROUP.CREATE, GROUP.*, *.DELETE); empty: every event"
        name="eventTypes"
        value={form.eventTypes}
        onChange={(eventTypes) => setForm({ ...form, eventTypes })}
        error={error}
      />
      <Toggle label="Enabled" name="enabled" checked={form.enabled} onChange={(enabled) => setForm({ ...form, enabled })} />
    </>
  );
}

/** How the signing secret is shown, once, after creation or rotation. */
const SIGNING_SECRET = {
  label: 'Signing secret',
  intro: 'Copy the signing secret now. It will not be shown again. Receivers verify each delivery with it (Standard Webhooks).',
  testId: 'signing-secret',
};

function WebhookCreatePage({ paths }: { paths: Paths }) {
  const [form, setForm] = useState<WebhookForm>(formOf());
  const [created, setCreated] = useState<WebhookSubscriptionWithSecret | null>(null);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => setCreated(await api.post<WebhookSubscriptionWithSecret>(paths.api, bodyOf(form))));
  if (created) {
    return (
      <>
        <PageHeader title="Webhook created" />
        <SecretOnce {...SIGNING_SECRET} secret={created.signingSecret} onDone={() => navigate(`${paths.base}/${created.id}`)} />
      </>
    );
  }
  return (
    <CreatePage title="Create webhook" label="Webhook" onSubmit={onSubmit} pending={pending} error={error} fields={FIELDS}>
      <WebhookFields form={form} setForm={setForm} error={error} />
    </CreatePage>
  );
}

function WebhookPage({ paths, id }: { paths: Paths; id: string }) {
  const path = `${paths.api}/${encodeURIComponent(id)}`;
  return <Loaded<WebhookSubscriptionView> path={path}>{(data) => <WebhookEditor key={data.id} webhook={data} path={path} paths={paths} />}</Loaded>;
}

function WebhookEditor({ webhook: initial, path, paths }: { webhook: WebhookSubscriptionView; path: string; paths: Paths }) {
  const holder = useSecretHolder<WebhookSubscriptionView, WebhookSubscriptionWithSecret>(initial, path);
  const { value: webhook, rotated, save } = holder;
  const [form, setForm] = useState<WebhookForm>(formOf(initial));
  const actions = holder.actions({
    rotate: { title: 'Rotate the signing secret?', body: 'Deliveries are signed with the new one from the next attempt.', confirmLabel: 'Rotate secret', danger: true },
    remove: { title: `Delete the webhook to ${webhook.url}?`, body: 'Its delivery log is deleted with it.', confirmLabel: 'Delete webhook', danger: true },
    removed: 'Webhook deleted.',
    leaveTo: paths.base,
  });
  return (
    <div>
      <PageHeader title={webhook.url} />
      <dl className="panel facts">
        <dt>Status</dt>
        <dd data-testid="webhook-status">{status(webhook)}{webhook.disabledAt ? ` since ${formatDate(webhook.disabledAt)}` : ''}</dd>
        <dt>Failures in a row</dt>
        <dd>{webhook.consecutiveFailures}</dd>
        <dt>Signing secret</dt>
        <dd>issued {formatDate(webhook.secretCreatedAt)}</dd>
        <dt>Delivers for</dt>
        <dd>{webhook.owner.type === 'USER' ? 'User' : webhook.owner.type === 'SERVICE_ACCOUNT' ? 'Service account' : 'Service'} <code>{webhook.owner.id}</code></dd>
      </dl>
      {rotated && <SecretOnce {...SIGNING_SECRET} secret={rotated.signingSecret} onDone={holder.clearRotated} />}
      <form className="panel" onSubmit={holder.onSave(() => bodyOf(form))} noValidate aria-label="Webhook">
        <WebhookFields form={form} setForm={setForm} error={save.error} />
        <ProblemBox error={save.error} fields={FIELDS} />
        <SecretHolderActions {...actions} />
      </form>
      <DeliveryLog path={path} base={`${paths.base}/${encodeURIComponent(webhook.id)}`} />
    </div>
  );
}

/** The newest deliveries, each with its status and last outcome; Redeliver for a finished one. */
function DeliveryLog({ path, base }: { path: string; base: string }) {
  const { data, error, reload } = useAsync(() => api.get<Page<WebhookDeliveryView>>(`${path}/deliveries?size=50`), [path]);
  const redelivery = useSubmit();
  const redeliver = (d: WebhookDeliveryView) => redelivery.submit(async () => {
    await api.post(`${path}/deliveries/${encodeURIComponent(d.id)}/redeliver`, {});
    reload();
  })();
  if (error) return <ProblemBox error={error} />;
  if (!data) return <Loading />;
  return (
    <section className="panel" aria-label="Delivery log">
      <h2>Delivery log</h2>
      <ProblemBox error={redelivery.error} />
      {data.results.length === 0 ? (
        <p>No deliveries yet: they appear as audit events happen.</p>
      ) : (
        <table>
          <thead>
            <tr><th>#</th><th>Event</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Queued</th><th /></tr>
          </thead>
          <tbody>
            {data.results.map((d) => (
              <tr key={d.id}>
                <td>{d.sequence}</td>
                <td><Link to={`${base}/deliveries/${d.id}`}>{d.eventType}</Link></td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>{d.lastStatusCode ?? d.lastError ?? ''}</td>
                <td>{formatDate(d.createdAt)}</td>
                <td>
                  {(d.status === 'SUCCEEDED' || d.status === 'DEAD') && (
                    <button type="button" className="small secondary" onClick={() => void redeliver(d)}>
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One delivery: its webhook-id, the body sent, and every attempt (when, how long, status code, error). */
function DeliveryPage({ paths, id, deliveryId }: { paths: Paths; id: string; deliveryId: string }) {
  const path = `${paths.api}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}`;
  return <Loaded<WebhookDeliveryDetail> path={path}>{(data) => <Delivery data={data} back={`${paths.base}/${encodeURIComponent(id)}`} />}</Loaded>;
}

function Delivery({ data, back }: { data: WebhookDeliveryDetail; back: string }) {
  return (
    <div>
      <PageHeader title={`Delivery ${data.sequence}: ${data.eventType}`} />
      <p><Link to={back}>Back to the webhook</Link></p>
      <dl className="panel facts">
        <dt>webhook-id</dt>
        <dd><code>{data.webhookId}</code></dd>
        <dt>Status</dt>
        <dd>{data.status}{data.deliveredAt ? `, delivered ${formatDate(data.deliveredAt)}` : ''}{data.nextAttemptAt ? `, next attempt ${formatDate(data.nextAttemptAt)}` : ''}</dd>
      </dl>
      <section className="panel" aria-label="Attempts">
        <h2>Attempts</h2>
        <table>
          <thead>
            <tr><th>#</th><th>At</th><th>Duration</th><th>Status code</th><th>Error</th></tr>
          </thead>
          <tbody>
            {data.attemptLog.map((a) => (
              <tr key={`${a.attempt}-${a.startedAt}`}>
                <td>{a.attempt}</td>
                <td>{formatDate(a.startedAt)}</td>
                <td>{a.durationMs} ms</td>
                <td>{a.statusCode ?? '—'}</td>
                <td>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-label="Body">
        <h2>Body</h2>
        <pre>{JSON.stringify(data.payload, null, 2)}</pre>
      </section>
    </div>
  );
}
