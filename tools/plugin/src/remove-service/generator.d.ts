import type { GeneratorCallback, Tree } from '@nx/devkit';

export default function removeServiceGenerator(
  tree: Tree,
  options: { name: string; skipInstall?: boolean; skipFormat?: boolean },
): Promise<GeneratorCallback>;
