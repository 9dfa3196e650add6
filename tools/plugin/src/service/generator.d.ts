import type { GeneratorCallback, Tree } from '@nx/devkit';

export default function serviceGenerator(tree: Tree, options: Record<string, unknown>): Promise<GeneratorCallback>;
