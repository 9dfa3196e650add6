// `npx nx g @refarch/plugin:remove-service <name>`: takes a service out with everything the service generator
// registered for it (its folder, contracts, Kubernetes base and overlay entries, databases.sh, compose, the
// gateway's route), so the workspace is as it was before. Refuses while another service calls it.
import { execSync } from 'node:child_process';
import { formatFiles, updateJson } from '@nx/devkit';
import {
  BASE,
  regenerateNetworkPolicies,
  catalog,
  COMPOSE,
  constCase,
  DATABASES,
  editPostgresDevPasswords,
  editText,
  editYaml,
  EVENTS,
  EXAMPLES,
  GATEWAY,
  GATEWAY_CONFIGMAP,
  IMAGE_LISTS,
  ROLE_MARKER,
  CALL_MARKER,
  WORKERS_CONFIG,
  WORKERS_MODULE,
  writeScaling,
} from '../workspace.js';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function removalOf(tree, name) {
  const entries = catalog(tree);
  const entry = entries.find((e) => e.name === name);
  const problems = [];
  if (!entry) problems.push(`no service "${name}" in the catalog (${entries.map((e) => e.name).join(', ')})`);
  const callers = entries.filter((e) => e.name !== 'api-gateway' && name in (e.calls ?? {})).map((e) => e.name);
  if (callers.length)
    problems.push(`${callers.join(', ')} call${callers.length === 1 ? 's' : ''} ${name}: take that out first`);
  const shared = entry && entries.filter((e) => e.dir === entry.dir).length > 1;
  if (shared && !(entry.kind === 'worker' && tree.exists(`services/${entry.dir}/src/${entry.role}`))) {
    problems.push(
      `${name} shares services/${entry.dir} with other entries: remove it by hand (docs/fork-a-service.md)`,
    );
  }
  if (problems.length) throw new Error(`@refarch/plugin:remove-service: nothing removed.\n  ${problems.join('\n  ')}`);
  // `shared`: other catalog entries run from the same folder (the workers' roles): only this one's parts go.
  return { entry, shared };
}

/** A worker role out of services/workers: its slice, migrations and test, its lines in the role lists. */
function removeWorkerRole(tree, entry) {
  const dir = `services/${entry.dir}`;
  const role = entry.role;
  for (const file of [`src/${role}`, `migrations/${role}`, `test/${role}.spec.ts`]) tree.delete(`${dir}/${file}`);
  editText(tree, WORKERS_CONFIG, ROLE_MARKER, (text) => text.replace(new RegExp(`^  '${escape(role)}',\\n`, 'm'), ''));
  editText(tree, WORKERS_MODULE, ROLE_MARKER, (text) =>
    text
      .replace(new RegExp(`^import \\{ [A-Za-z0-9]+ \\} from '\\./${escape(role)}/[^']+';\\n`, 'm'), '')
      .replace(new RegExp(`^  '?${escape(role)}'?: [A-Za-z0-9]+,\\n`, 'm'), ''),
  );
  updateJson(tree, `${dir}/package.json`, (json) => {
    json.refarch.services = json.refarch.services.filter((e) => e.name !== entry.name);
    return json;
  });
  // The URL variables the generator wrote for its calls, unless another role still calls that service.
  const stillCalled = new Set(
    catalog(tree)
      .filter((e) => e.dir === entry.dir)
      .flatMap((e) => Object.values(e.calls ?? {})),
  );
  for (const [called, variable] of Object.entries(entry.calls ?? {})) {
    if (stillCalled.has(variable)) continue;
    editText(tree, WORKERS_CONFIG, CALL_MARKER, (text) =>
      text.replace(
        new RegExp(`^  /\\*\\* ${escape(called)} \\(generated\\)[^\\n]*\\n  ${escape(variable)}: [^\\n]*\\n`, 'm'),
        '',
      ),
    );
  }
}

export default async function removeServiceGenerator(tree, { name, skipInstall, skipFormat }) {
  const { entry, shared } = removalOf(tree, name);
  if (shared) removeWorkerRole(tree, entry);
  else tree.delete(`services/${entry.dir}`);
  tree.delete(`k8s/base/${name}`);
  editYaml(tree, BASE, (doc) => {
    const resources = doc.get('resources');
    resources.items = resources.items.filter((item) => String(item.value ?? item) !== name);
  });
  if (!shared) {
    for (const list of IMAGE_LISTS) {
      editYaml(tree, list, (doc) => {
        const images = doc.get('images');
        images.items = images.items.filter((item) => item.get('name') !== `refarch/${entry.dir}`);
      });
    }
  }
  writeScaling(tree);
  if (entry.database) {
    editText(tree, DATABASES, null, (text) =>
      text
        .replace(new RegExp(`^# ${escape(name)} \\(generated\\)\\n`, 'm'), '')
        .replace(new RegExp(`^database refarch_${escape(entry.database.name)}\\n`, 'm'), ''),
    );
    editPostgresDevPasswords(tree, (literals) => {
      literals.items = literals.items.filter(
        (item) => !String(item.value ?? item).startsWith(`refarch_${entry.database.name}=`),
      );
    });
  }
  for (const event of entry.publishes ?? []) {
    for (const file of [EVENTS, EXAMPLES]) {
      editText(tree, file, null, (text) =>
        text
          .replace(new RegExp(`^  // ${escape(name)} \\(generated\\)[^\\n]*\\n`, 'm'), '')
          .replace(new RegExp(`^  '${escape(event)}':[^\\n]*\\n`, 'm'), ''),
      );
    }
  }
  editText(tree, COMPOSE, null, (text) =>
    text
      .replace(new RegExp(`\\n  ${escape(name)}:\\n(    [^\\n]*\\n|      [^\\n]*\\n)*\\n`), '\n')
      .replace(new RegExp(`^      ${constCase(name)}_URL: http://${escape(name)}:8080\\n`, 'm'), ''),
  );
  if (entry.route) {
    updateJson(tree, GATEWAY, (json) => {
      delete json.refarch.services.find((e) => e.name === 'api-gateway').calls[name];
      return json;
    });
    editYaml(tree, GATEWAY_CONFIGMAP, (doc) => doc.deleteIn(['data', `${constCase(name)}_URL`]));
  }
  if (!skipFormat) await formatFiles(tree);
  return () => {
    if (!skipInstall && !shared) execSync('npm install --no-audit --no-fund', { cwd: tree.root, stdio: 'inherit' });
    regenerateNetworkPolicies(tree.root);
    console.log(`\n${name} is removed; its database and queues on a running server are left for you to drop.`);
  };
}
