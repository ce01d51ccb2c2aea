import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { getMetadataStorage } from 'class-validator';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { AuthorizationEnv } from '../../apps/authorization/src/authorization.env';
import { GatewayEnv } from '../../apps/gateway/src/gateway.env';
import { IdentityEnv } from '../../apps/identity/src/identity.env';
import { NotificationEnv } from '../../apps/notification/src/notification.env';
import { TenancyEnv } from '../../apps/tenancy/src/tenancy.env';
import { KubeObject, renderKustomization } from './kustomize-lite';

/**
 * deploy/kubernetes (docs/deploy.md): the overlay example rendered as kustomize would (kustomize-lite: resources,
 * labels, patches, images, namespace), every object validated against the Kubernetes schemas (kubernetes-models)
 * and the CloudNativePG Cluster against the CRD's own schema (vendored from cloudnative-pg, unknown fields refused
 * as the API server does); then what the issue asks of them: a Deployment per service with probes on its health
 * port, resources, an HPA and a PDB each, only the gateway reachable, the services' variables declared by their
 * env classes, Postgres through the Cluster's -rw Service, NATS's chart values (3 servers, JetStream) that the
 * chart knows. Each check is shown to refuse a broken manifest.
 */
const ROOT = join(__dirname, '..', '..');
const KUBE = join(ROOT, 'deploy/kubernetes');
const SCHEMAS = join(__dirname, 'fixtures/schemas');

const SERVICES = {
  gateway: { env: GatewayEnv, port: 'PORT' },
  identity: { env: IdentityEnv, port: 'HEALTH_PORT' },
  tenancy: { env: TenancyEnv, port: 'HEALTH_PORT' },
  authorization: { env: AuthorizationEnv, port: 'HEALTH_PORT' },
  notification: { env: NotificationEnv, port: 'HEALTH_PORT' },
} as const;
type ServiceName = keyof typeof SERVICES;

/** Variables the container needs that no env class reads: the image's entry point, and the parts DATABASE_URL is made of. */
const CONTAINER_VARIABLES = new Set(['SERVICE', 'DATABASE_USER', 'DATABASE_PASSWORD']);
/** Secrets made outside the manifests (docs/deploy.md): by the operator, or by CloudNativePG for the Cluster. */
const EXTERNAL_SECRETS = new Set(['gatehouse-nats', 'gatehouse-keys', 'gatehouse-db-app', 'gatehouse-tls']);

const MODELS: Record<string, { validate(object: KubeObject): void }> = {
  'v1/ConfigMap': { validate: (o) => new ConfigMap(o as never).validate() },
  'v1/Service': { validate: (o) => new Service(o as never).validate() },
  'apps/v1/Deployment': { validate: (o) => new Deployment(o as never).validate() },
  'autoscaling/v2/HorizontalPodAutoscaler': { validate: (o) => new HorizontalPodAutoscaler(o as never).validate() },
  'policy/v1/PodDisruptionBudget': { validate: (o) => new PodDisruptionBudget(o as never).validate() },
  'networking.k8s.io/v1/Ingress': { validate: (o) => new Ingress(o as never).validate() },
  'networking.k8s.io/v1/NetworkPolicy': { validate: (o) => new NetworkPolicy(o as never).validate() },
  'postgresql.cnpg.io/v1/Cluster': { validate: cnpgValidator() },
};

/** The CRD's structural schema as the API server applies it: fields it does not declare are refused. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strict(v)])) : strict(value);
  if (out['type'] === 'object' && out['properties'] && out['additionalProperties'] === undefined && !out['x-kubernetes-preserve-unknown-fields']) out['additionalProperties'] = false;
  return out;
}

function cnpgValidator(): (object: KubeObject) => void {
  const crd = JSON.parse(readFileSync(join(SCHEMAS, 'cnpg-cluster-v1.schema.json'), 'utf8')) as { schema: Record<string, unknown> };
  const schema = strict(crd.schema) as Record<string, unknown>;
  // apiVersion, kind and metadata are the API server's own (ObjectMeta), not the CRD's.
  (schema['properties'] as Record<string, unknown>)['metadata'] = { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: true };
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  return (object) => {
    const { name } = object.metadata;
    if (!validate(object)) throw new Error(`Cluster ${name}: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join('; ')}`);
  };
}

function validateAll(objects: KubeObject[]): void {
  for (const object of objects) {
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!model) throw new Error(`${object.apiVersion} ${object.kind} ${object.metadata?.name}: no schema to validate it against`);
    model.validate(object);
  }
}

type Container = {
  name: string; image: string; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: number | string } }; livenessProbe?: { httpGet?: { path: string; port: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const spec = <T>(o: KubeObject) => o['spec'] as T;
const declared = (envClass: new () => object) => new Set(getMetadataStorage().getTargetValidationMetadatas(envClass, '', false, false).map((m) => m.propertyName));
const selects = (selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }, labels: Record<string, string>) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
  && (selector.matchExpressions ?? []).every((e) => (e.operator === 'In' ? (e.values ?? []).includes(labels[e.key]) : e.operator === 'Exists' ? e.key in labels : false));

/** What the issue requires of the rendered manifests; each problem found, as text. */
function problemsOf(objects: KubeObject[]): string[] {
  const problems: string[] = [];
  const configMaps = new Map(byKind(objects, 'ConfigMap').map((c) => [c.metadata.name, (c['data'] ?? {}) as Record<string, string>]));
  const deployments = byKind(objects, 'Deployment');
  const policies = byKind(objects, 'NetworkPolicy').map((p) => spec<{ podSelector: object; policyTypes: string[]; ingress?: Array<{ from?: unknown[]; ports?: Array<{ port: number }> }> }>(p));
  const cluster = byKind(objects, 'Cluster')[0];
  if (!cluster) problems.push('no CloudNativePG Cluster');
  for (const service of Object.keys(SERVICES) as ServiceName[]) {
    const deployment = deployments.find((d) => d.metadata.name === `gatehouse-${service}`);
    if (!deployment) {
      problems.push(`${service}: no Deployment`);
      continue;
    }
    const template = spec<{ template: PodTemplate; selector: { matchLabels: Record<string, string> } }>(deployment).template;
    const [container] = template.spec.containers;
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    if (env.get('SERVICE')?.value !== service) problems.push(`${service}: SERVICE is not ${service}`);
    const port = Number(env.get(SERVICES[service].port)?.value);
    for (const [probe, path] of [['readinessProbe', '/health/ready'], ['livenessProbe', '/health/live']] as const) {
      const get = container[probe]?.httpGet;
      if (get?.path !== path || Number(get.port) !== port) problems.push(`${service}: ${probe} is not GET ${path} on its ${SERVICES[service].port} ${port}`);
    }
    if (!container.resources?.requests?.['cpu'] || !container.resources.requests['memory'] || !container.resources.limits?.['memory']) problems.push(`${service}: no cpu and memory requests and a memory limit`);
    // Every variable given is one the service reads (its env class) or the container's own.
    const known = declared(SERVICES[service].env);
    const fromConfigMaps = (container.envFrom ?? []).flatMap((f) => {
      if (f.secretRef) return [];
      const data = configMaps.get(f.configMapRef?.name ?? '');
      if (!data) problems.push(`${service}: envFrom names a ConfigMap that is not there: ${f.configMapRef?.name}`);
      return Object.keys(data ?? {});
    });
    for (const name of [...env.keys(), ...fromConfigMaps]) if (!known.has(name) && !CONTAINER_VARIABLES.has(name)) problems.push(`${service}: ${name} is not a variable of ${SERVICES[service].env.name}`);
    for (const e of env.values()) {
      const secret = e.valueFrom?.secretKeyRef?.name;
      if (secret && !EXTERNAL_SECRETS.has(secret)) problems.push(`${service}: ${e.name} comes from an unknown Secret ${secret}`);
    }
    if (service !== 'gateway') {
      const url = env.get('DATABASE_URL')?.value ?? '';
      if (!cluster || new URL(url.replace(/\$\([A-Z_]+\)/g, 'x')).hostname !== `${cluster.metadata.name}-rw`) problems.push(`${service}: DATABASE_URL does not go to the Cluster's -rw Service (${url})`);
    }
    const hpa = byKind(objects, 'HorizontalPodAutoscaler').find((h) => spec<{ scaleTargetRef: { kind: string; name: string } }>(h).scaleTargetRef.name === deployment.metadata.name);
    if (!hpa) problems.push(`${service}: no HorizontalPodAutoscaler`);
    const pdb = byKind(objects, 'PodDisruptionBudget').find((p) => selects(spec<{ selector: object }>(p).selector, template.metadata.labels));
    if (!pdb) problems.push(`${service}: no PodDisruptionBudget selecting its pods`);
    // Reachable from outside: the ingress rules of the policies selecting its pods (none selecting it: open to all).
    const selecting = policies.filter((p) => p.policyTypes.includes('Ingress') && selects(p.podSelector, template.metadata.labels));
    const openPorts = selecting.flatMap((p) => (p.ingress ?? []).filter((rule) => !rule.from).flatMap((rule) => (rule.ports ?? []).map((x) => x.port)));
    if (selecting.length === 0) problems.push(`${service}: no NetworkPolicy limits who reaches it`);
    else if (service === 'gateway' ? JSON.stringify(openPorts) !== JSON.stringify([port]) : selecting.some((p) => (p.ingress ?? []).length > 0)) {
      problems.push(`${service}: reachable by ${JSON.stringify(selecting.map((p) => p.ingress))}`);
    }
  }
  const ingress = byKind(objects, 'Ingress');
  const backends = ingress.flatMap((i) => spec<{ rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }> }>(i).rules.flatMap((r) => r.http.paths.map((p) => p.backend.service.name)));
  if (ingress.length === 0 || backends.some((b) => b !== 'gatehouse-gateway')) problems.push(`the Ingress must lead to the gateway only (${backends.join(', ')})`);
  if (byKind(objects, 'Service').map((s) => s.metadata.name).join() !== 'gatehouse-gateway') problems.push('only the gateway has a Service');
  if (configMaps.get('gatehouse-config')?.['JETSTREAM_REPLICAS'] !== '3') problems.push('JETSTREAM_REPLICAS is not 3');
  const db = cluster ? spec<{ instances: number; postgresql?: { synchronous?: { number: number } } }>(cluster) : null;
  if (db && (db.instances !== 3 || !(db.postgresql?.synchronous?.number ?? 0))) problems.push('the Cluster must have 3 instances and a synchronous standby');
  return problems;
}

describe('deploy/kubernetes: the kustomization', () => {
  const base = renderKustomization(join(KUBE, 'base'));
  const overlay = renderKustomization(join(KUBE, 'overlays/example'));

  it('renders the base and the overlay example; every object is valid against its schema', () => {
    expect(base.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(overlay.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    expect(() => validateAll(base)).not.toThrow();
    expect(() => validateAll(overlay)).not.toThrow();
    expect(byKind(overlay, 'Deployment')).toHaveLength(5);
  });

  it('the overlay sets the namespace, the image, the public host and the gateway\'s size', () => {
    expect(new Set(overlay.map((o) => o.metadata.namespace))).toEqual(new Set(['gatehouse']));
    const images = byKind(overlay, 'Deployment').map((d) => spec<{ template: PodTemplate }>(d).template.spec.containers[0].image);
    expect(new Set(images)).toEqual(new Set(['registry.example.com/gatehouse:0.1.0']));
    const ingress = spec<{ rules: Array<{ host: string }>; ingressClassName: string }>(byKind(overlay, 'Ingress')[0]);
    expect([ingress.rules[0].host, ingress.ingressClassName]).toEqual(['iam.acme.example', 'nginx']);
    expect(overlay.find((o) => o.metadata.name === 'gatehouse-tokens')?.['data']).toEqual({ JWT_ISSUER: 'https://iam.acme.example', JWT_AUDIENCE: 'gatehouse' });
    const gateway = spec<{ replicas: number; template: PodTemplate }>(overlay.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gatehouse-gateway') as KubeObject);
    expect([gateway.replicas, gateway.template.spec.containers[0].resources?.requests?.['cpu'], gateway.template.spec.containers[0].readinessProbe?.httpGet?.path]).toEqual([3, '500m', '/health/ready']);
    expect(overlay.every((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'gatehouse')).toBe(true);
  });

  it('has what the deployment needs: probes, resources, HPA and PDB per service, only the gateway reachable, Postgres -rw, JetStream R3', () => {
    expect(problemsOf(base)).toEqual([]);
    expect(problemsOf(overlay)).toEqual([]);
  });

  it('refuses a broken manifest: the schemas and the checks each catch one', () => {
    const broken = (mutate: (objects: KubeObject[]) => void) => {
      const copy = structuredClone(overlay);
      mutate(copy);
      return copy;
    };
    const deployment = (objects: KubeObject[], name: string) => spec<{ template: PodTemplate }>(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as KubeObject).template.spec.containers[0];
    // Kubernetes' schema: a port is an integer, a Service's port is required.
    expect(() => validateAll(broken((o) => ((deployment(o, 'gatehouse-identity').ports as Array<{ containerPort: unknown }>)[0].containerPort = 'http')))).toThrow(/containerPort must be integer/);
    expect(() => validateAll(broken((o) => delete (spec<{ ports: Array<{ port?: number }> }>(byKind(o, 'Service')[0]).ports[0].port)))).toThrow(/ports\/0 must have required property port/);
    // The CRD's schema: instances is an integer, synchronous.method one of any/first, no unknown field.
    expect(() => validateAll(broken((o) => (spec<Record<string, unknown>>(byKind(o, 'Cluster')[0])['instances'] = 'three')))).toThrow(/instances must be integer/);
    expect(() => validateAll(broken((o) => (spec<{ postgresql: { synchronous: { method: string } } }>(byKind(o, 'Cluster')[0]).postgresql.synchronous.method = 'all')))).toThrow(/method must be equal to one of the allowed values/);
    expect(() => validateAll(broken((o) => (spec<Record<string, unknown>>(byKind(o, 'Cluster')[0])['replicas'] = 3)))).toThrow(/must NOT have additional properties.*replicas/);
    expect(() => validateAll([{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' } }])).toThrow(/no schema/);
    // The deployment's own checks.
    expect(problemsOf(broken((o) => (deployment(o, 'gatehouse-tenancy').readinessProbe = { httpGet: { path: '/health/live', port: 8082 } })))).toEqual([
      'tenancy: readinessProbe is not GET /health/ready on its HEALTH_PORT 8082',
    ]);
    expect(problemsOf(broken((o) => deployment(o, 'gatehouse-authorization').env?.push({ name: 'JWT_ISSUER', value: 'x' })))).toEqual([
      'authorization: JWT_ISSUER is not a variable of AuthorizationEnv',
    ]);
    expect(problemsOf(broken((o) => {
      const url = deployment(o, 'gatehouse-notification').env?.find((e) => e.name === 'DATABASE_URL');
      if (url) url.value = 'postgres://$(DATABASE_USER):$(DATABASE_PASSWORD)@gatehouse-db-1:5432/gatehouse';
    }))).toEqual([expect.stringMatching(/^notification: DATABASE_URL does not go to the Cluster's -rw Service/)]);
    expect(problemsOf(broken((o) => o.splice(o.findIndex((x) => x.kind === 'PodDisruptionBudget' && x.metadata.name === 'gatehouse-identity'), 1)))).toEqual([
      'identity: no PodDisruptionBudget selecting its pods',
    ]);
    expect(problemsOf(broken((o) => {
      const policy = spec<{ ingress?: unknown[] }>(o.find((x) => x.metadata.name === 'gatehouse-services') as KubeObject);
      policy.ingress = [{ ports: [{ port: 8083 }] }];
    }))).toEqual(expect.arrayContaining([expect.stringMatching(/^authorization: reachable by/)]));
    expect(problemsOf(broken((o) => (o.find((x) => x.metadata.name === 'gatehouse-config')?.['data'] as Record<string, string>)['JETSTREAM_REPLICAS'] = '1'))).toEqual(['JETSTREAM_REPLICAS is not 3']);
  });
});

describe('deploy/kubernetes/nats: the NATS Helm chart values', () => {
  const values = parse(readFileSync(join(KUBE, 'nats/values.yaml'), 'utf8')) as Record<string, unknown>;
  const chart = parse(readFileSync(join(SCHEMAS, 'nats-chart-2.14.2-values.yaml'), 'utf8')) as Record<string, unknown>;
  /** Maps whose keys are the user's (NATS config, env, patches, topology keys): the chart takes any key there. */
  const FREE_FORM = new Set(['merge', 'env', 'topologySpreadConstraints', 'patch']);

  /** Every key of `ours` the chart's defaults know, with a value of the same shape; the ones it does not, as paths. */
  function unknownKeys(ours: unknown, theirs: unknown, path: string): string[] {
    if (typeof ours !== 'object' || ours === null || Array.isArray(ours)) return [];
    if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) return [`${path} (the chart has a ${theirs === null ? 'null' : typeof theirs} here)`];
    return Object.entries(ours).flatMap(([key, value]) => {
      if (!(key in theirs)) return [`${path}.${key}`];
      if (FREE_FORM.has(key)) return [];
      return unknownKeys(value, (theirs as Record<string, unknown>)[key], `${path}.${key}`);
    });
  }

  it('uses only keys the chart knows, for a 3-server cluster with JetStream on files', () => {
    expect(unknownKeys(values, chart, 'values')).toEqual([]);
    expect(values).toMatchObject({ config: { cluster: { enabled: true, replicas: 3 }, jetstream: { enabled: true, fileStore: { enabled: true, pvc: { enabled: true } } } } });
    expect(unknownKeys({ config: { jetstream: { replicas: 3 } } }, chart, 'values')).toEqual(['values.config.jetstream.replicas']);
  });

  it('gives the servers every password authorization.conf refers to, from the gatehouse-nats Secret', () => {
    const authorization = readFileSync(join(ROOT, 'deploy/nats/authorization.conf'), 'utf8');
    const referenced = [...new Set([...authorization.matchAll(/\$([A-Z_]+_NATS_PASSWORD)/g)].map((m) => m[1]))].sort();
    const env = (values['container'] as { env: Record<string, { valueFrom?: { secretKeyRef: { name: string } } }> }).env;
    expect(Object.keys(env).filter((k) => k.endsWith('_NATS_PASSWORD')).sort()).toEqual(referenced);
    expect(new Set(referenced.map((k) => env[k].valueFrom?.secretKeyRef.name))).toEqual(new Set(['gatehouse-nats']));
    expect((values['config'] as { merge: Record<string, string> }).merge['00$include']).toBe('authorization.conf');
  });
});

describe('docker-compose.yml', () => {
  it('parses, and mounts the NATS configuration with the authorization it includes', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[] }> };
    expect(Object.keys(compose.services).sort()).toEqual(['authorization', 'gateway', 'identity', 'nats', 'notification', 'postgres', 'tenancy']);
    const mounts = (compose.services['nats'].volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':').slice(0, 2));
    expect(mounts).toEqual([['./deploy/nats/nats-server.conf', '/etc/nats/nats-server.conf'], ['./deploy/nats/authorization.conf', '/etc/nats/authorization.conf']]);
    for (const [file] of mounts) expect(() => readFileSync(join(ROOT, file))).not.toThrow();
    expect(readFileSync(join(ROOT, 'deploy/nats/nats-server.conf'), 'utf8')).toMatch(/^include authorization\.conf$/m);
  });
});
