// What the service and remove-service generators read and edit outside a service's folder: the catalog in the
// services' package.json files, and the lists that cannot read it (Kustomize, compose, databases.sh, contracts).
// Every edit is a function of the tree (Nx's virtual file system), so `--dry-run` and the unit tests see them all.
import { execFileSync } from 'node:child_process';
import { scalingFiles } from './scaling.js';
import { readJson } from '@nx/devkit';
import { parseDocument } from 'yaml';

export const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const EVENT = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v[1-9][0-9]*$/;

export const BASE = 'k8s/base/kustomization.yaml';
/** The `images:` lists: the microk8s component's (its registry) and the production overlay's. */
export const IMAGE_LISTS = ['k8s/components/microk8s/kustomization.yaml', 'k8s/overlays/production/kustomization.yaml'];
export const DATABASES = 'k8s/base/postgres/databases.sh';
/** The development Secrets: a generated PostgreSQL service's role gets its dev password here. */
export const DEV_SECRETS = 'k8s/components/dev-secrets/kustomization.yaml';

/** Edits the `literals` of the dev-secrets component's `postgres-credentials` generator (one `<role>=<password>` each). */
export function editPostgresDevPasswords(tree, edit) {
  editYaml(tree, DEV_SECRETS, (doc) => {
    const postgres = doc.get('secretGenerator').items.find((item) => item.get('name') === 'postgres-credentials');
    edit(postgres.get('literals'));
  });
}
export const COMPOSE = 'docker/compose.yaml';
export const EVENTS = 'libs/contracts/src/events.ts';
export const EXAMPLES = 'libs/contracts/src/examples.ts';
export const GATEWAY = 'services/api-gateway/package.json';
export const GATEWAY_CONFIGMAP = 'k8s/base/api-gateway/configmap.yaml';
export const WORKERS = 'services/workers';
export const WORKERS_CONFIG = 'services/workers/src/config.ts';
export const WORKERS_MODULE = 'services/workers/src/app.module.ts';
/** The line in the workers' config.ts (WORKER_ROLES) and app.module.ts (ROLES) above which generated roles go. */
export const ROLE_MARKER = '// generated roles';
/** In services/workers/src/config.ts: the URL variables of the services that generated roles call. */
export const CALL_MARKER = '// generated calls';
/** The line in events.ts and examples.ts above which generated entries go. */
export const MARKER = '// generated services';

/** Every catalog entry of the tree, with its folder: `[{ name, dir, port, calls, ... }]`. */
export function catalog(tree) {
  return tree.children('services').flatMap((dir) => {
    const file = `services/${dir}/package.json`;
    if (!tree.exists(file)) return [];
    return (readJson(tree, file).refarch?.services ?? []).map((entry) => ({ ...entry, dir }));
  });
}

/** `loyalty-points` → `LOYALTY_POINTS`, `LoyaltyPoints`, `loyaltyPoints`. */
export const constCase = (name) => name.replace(/[^a-zA-Z0-9]+/g, '_').toUpperCase();
export const pascalCase = (name) =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
export const camelCase = (name) => pascalCase(name)[0].toLowerCase() + pascalCase(name).slice(1);

/** Edits a YAML file through yaml's Document API (comments and layout survive); `edit(doc)`. */
export function editYaml(tree, file, edit) {
  const doc = parseDocument(tree.read(file, 'utf8'));
  edit(doc);
  tree.write(file, doc.toString({ lineWidth: 0 }));
}

/** Edits a text file; `edit(text)` returns the new text. Refuses (naming the file) when `anchor` is missing. */
export function editText(tree, file, anchor, edit) {
  const text = tree.read(file, 'utf8');
  if (anchor && !text.includes(anchor)) {
    throw new Error(`${file} has no line "${anchor}" to place the edit at: restore it, then run the generator again`);
  }
  tree.write(file, edit(text));
}

/** The block of one compose service: from `  <name>:` to the next top-level service. */
export function composeBlock(text, name) {
  const start = text.indexOf(`\n  ${name}:\n`);
  if (start < 0) return undefined;
  const rest = text.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}[a-z]|\n[a-z]/);
  return { start: start + 1, end: next < 0 ? text.length : start + 2 + next + 1 };
}

/**
 * The autoscaling component and the high-availability PDBs follow the catalog of the tree (tools/k8s-scaling.mjs:
 * an HPA or a KEDA ScaledObject per service, a PDB per multi-replica one), a service added or removed included.
 */
export function writeScaling(tree) {
  for (const [file, text] of Object.entries(scalingFiles(catalog(tree)))) tree.write(file, text);
}

/**
 * After the files are written: the network-policies component follows the rendered overlays, a service added or
 * removed included (tools/network-policies.mjs; it needs kubectl). Without kubectl it says what to run.
 */
export function regenerateNetworkPolicies(root) {
  try {
    execFileSync(process.execPath, ['tools/network-policies.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (error) {
    const why = String(error.stderr ?? error.message)
      .trim()
      .split('\n')[0];
    console.log(`k8s/components/network-policies not regenerated (${why}): run npm run k8s:policies`);
  }
}
