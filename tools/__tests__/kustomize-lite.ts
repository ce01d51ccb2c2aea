import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

type Json = unknown;

/** The kustomization fields this renderer implements; any other field is an error, never silently ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches']);

export function readYamlObjects(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A strategic merge patch as kustomize applies the ones these manifests use: maps merge key by key; lists of
 * maps that all have a `name` (containers, env, ports, volumes) merge item by item on it; other lists and
 * values are replaced; `null` deletes.
 */
export function strategicMerge(target: Json, patch: Json): Json {
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, Json> = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in target ? strategicMerge(target[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && [...target, ...patch].every((item) => isObject(item) && typeof item['name'] === 'string')) {
    const out = target.map((item) => {
      const named = patch.find((p) => (p as Record<string, Json>)['name'] === (item as Record<string, Json>)['name']);
      return named ? strategicMerge(item, named) : item;
    });
    for (const item of patch) if (!target.some((t) => (t as Record<string, Json>)['name'] === (item as Record<string, Json>)['name'])) out.push(item);
    return out;
  }
  return patch;
}

/** RFC 6902 `add`, `replace` and `remove` (the operations the overlays use), on a copy. */
export function jsonPatch(target: Json, operations: Array<{ op: string; path: string; value?: Json }>): Json {
  const root = structuredClone(target);
  for (const { op, path, value } of operations) {
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop() as string;
    let node = root as Record<string, Json> | Json[];
    for (const key of keys) {
      node = (node as Record<string, Json>)[key] as Record<string, Json> | Json[];
      if (node === undefined) throw new Error(`json patch ${op} ${path}: no ${key}`);
    }
    if (Array.isArray(node)) {
      const index = last === '-' ? node.length : Number(last);
      if (op === 'add') node.splice(index, 0, value);
      else if (index >= node.length) throw new Error(`json patch ${op} ${path}: no item ${index}`);
      else if (op === 'replace') node[index] = value;
      else if (op === 'remove') node.splice(index, 1);
      else throw new Error(`json patch: unsupported op ${op}`);
    } else {
      if (op !== 'add' && !(last in node)) throw new Error(`json patch ${op} ${path}: no ${last}`);
      if (op === 'add' || op === 'replace') node[last] = value;
      else if (op === 'remove') delete node[last];
      else throw new Error(`json patch: unsupported op ${op}`);
    }
  }
  return root;
}

const matches = (object: KubeObject, target: { kind?: string; name?: string }) =>
  (!target.kind || target.kind === object.kind) && (!target.name || target.name === object.metadata.name);

/** Every pod template's containers (Deployments here). */
function containersOf(object: KubeObject): Array<Record<string, unknown>> {
  const spec = (object['spec'] as { template?: { spec?: { containers?: Array<Record<string, unknown>>; initContainers?: Array<Record<string, unknown>> } } } | undefined)?.template?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
}

/**
 * `kubectl kustomize <dir>` for the subset of kustomize these manifests use (resources, namespace, labels,
 * images, patches by file or inline with a target); anything else is refused.
 */
export function renderKustomization(dir: string): KubeObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [kustomization] = readYamlObjects(file) as unknown as Array<Record<string, unknown>>;
  const unsupported = Object.keys(kustomization).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length > 0) throw new Error(`${file}: fields this renderer does not implement: ${unsupported.join(', ')}`);

  let objects: KubeObject[] = ((kustomization['resources'] as string[] | undefined) ?? []).flatMap((resource) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? renderKustomization(path) : readYamlObjects(path);
  });

  for (const { pairs, includeSelectors } of (kustomization['labels'] as Array<{ pairs: Record<string, string>; includeSelectors?: boolean }> | undefined) ?? []) {
    if (includeSelectors) throw new Error(`${file}: labels with includeSelectors are not implemented`);
    objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), ...pairs } } }));
  }

  for (const entry of (kustomization['patches'] as Array<{ path?: string; patch?: string; target?: { kind?: string; name?: string } }> | undefined) ?? []) {
    if (entry.path) {
      for (const patch of readYamlObjects(join(dir, entry.path))) {
        const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
        if (index < 0) throw new Error(`${file}: patch ${entry.path} targets ${patch.kind}/${patch.metadata.name}, which no resource is`);
        objects[index] = strategicMerge(objects[index], patch) as KubeObject;
      }
    } else if (entry.patch && entry.target) {
      const operations = parseAllDocuments(entry.patch)[0].toJS() as Array<{ op: string; path: string; value?: Json }>;
      const targets = objects.filter((o) => matches(o, entry.target as { kind?: string; name?: string }));
      if (targets.length === 0) throw new Error(`${file}: an inline patch targets nothing (${JSON.stringify(entry.target)})`);
      objects = objects.map((o) => (targets.includes(o) ? (jsonPatch(o, operations) as KubeObject) : o));
    } else {
      throw new Error(`${file}: a patch needs a path, or a patch and a target`);
    }
  }

  for (const image of (kustomization['images'] as Array<{ name: string; newName?: string; newTag?: string }> | undefined) ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      const current = container['image'] as string;
      const [name] = current.split(/[:@]/);
      if (name !== image.name) continue;
      container['image'] = `${image.newName ?? name}${image.newTag ? `:${image.newTag}` : current.slice(name.length)}`;
    }
  }

  const namespace = kustomization['namespace'] as string | undefined;
  if (namespace) objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
  return objects;
}
