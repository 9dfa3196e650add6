// The gitops component and the workflow for forks: Argo CD's Application points at this repository's production
// overlay (validated with @kubernetes-models/argo-cd), and .github/workflows/ci.yml parses against GitHub's workflow
// schema (@actions/workflow-parser, GitHub's own) and runs what it says: the README's test command with MongoDB
// available, then every image of the catalog.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { render, schemaErrors } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.join(k8s, '..');

/** Schema errors of a workflow file (empty when it is valid). */
function workflowErrors(name: string, content: string): string[] {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

describe('gitops', () => {
  it('an Argo CD Application syncs the production overlay into refarch, pruning and self-healing', async () => {
    const objects = render(path.join(k8s, 'gitops'));
    expect(await schemaErrors(objects)).toEqual([]);
    const app = objects.find((o) => o.kind === 'Application') as unknown as { spec: any; metadata: any };
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.spec.source.path).toBe('k8s/overlays/production');
    expect(existsSync(path.join(root, app.spec.source.path, 'kustomization.yaml'))).toBe(true);
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'refarch' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('the workflow for forks is valid, runs the README’s test command with MongoDB, and builds every image', () => {
    const file = path.join(root, '.github/workflows/ci.yml');
    const content = readFileSync(file, 'utf8');
    expect(workflowErrors('ci.yml', content)).toEqual([]);
    // The check sees a broken workflow.
    expect(workflowErrors('broken.yml', content.replace('runs-on:', 'runs_on:')).length).toBeGreaterThan(0);
    const workflow = parse(content) as {
      jobs: { test: { services: Record<string, unknown>; env: any; steps: any[] } };
    };
    const job = workflow.jobs.test;
    expect(Object.keys(job.services).sort()).toEqual(['postgres', 'rabbitmq', 'redis']);
    expect(job.env.TEST_MONGO_URL).toMatch(/^mongodb:\/\/127\.0\.0\.1:27017\//);
    const runs = job.steps.map((s) => s.run as string | undefined).filter(Boolean);
    const readmeCommand = /^(npm test)\s+#/m.exec(readFileSync(path.join(root, 'README.md'), 'utf8'))![1];
    expect(runs).toContain(readmeCommand);
    expect(runs).toContain('npm run images:smoke');
    expect(runs.some((r) => r!.includes('--replSet rs0'))).toBe(true);
  });
});
