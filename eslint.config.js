// ESLint flat config: type-aware TypeScript rules where bugs hide (floating and misused promises, exhaustive
// switches) and Nx module boundaries on real tags (docs/architecture.md §7): service → platform → util → contract.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export const dependencyConstraints = [
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:platform', 'type:util', 'type:contract'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:util', 'type:contract'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:platform', 'type:util', 'type:contract'] },
  // The lab's load generator talks HTTP to the stack like a user: no service library.
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  // The browser app: the gateway's public API is its only contract — its shapes from libs/contracts (type-only
  // imports of `@refarch/contracts/api`), no server-side library.
  { sourceTag: 'type:frontend', onlyDependOnLibsWithTags: ['type:contract'] },
];

const RAW_HTTP =
  'Services call other services only through HttpClients from @refarch/resilience (breaker, retry, deadline).';
/** Raw HTTP clients a service's code must not use (libs/resilience wraps undici once, for everyone). */
export const outboundHttpRestrictions = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        'undici',
        'node:http',
        'node:https',
        'http',
        'https',
        'http2',
        'node:http2',
        'axios',
        'got',
        'node-fetch',
        'superagent',
        'ky',
      ].map((name) => ({ name, message: RAW_HTTP })),
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'fetch', message: RAW_HTTP },
    { name: 'XMLHttpRequest', message: RAW_HTTP },
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', '.stack/**', '.tmp/**', '**/fixtures/**', 'coverage/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: dependencyConstraints },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Nest's DI needs runtime class imports for constructor types: `import type` would erase them.
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through the service config (libs/config), not process.env.',
        },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts'],
    // The frontend is a browser app: `fetch` to the gateway is its whole job (no breaker library in a browser).
    ignores: ['**/*.spec.ts', 'services/frontend/**'],
    rules: outboundHttpRestrictions,
  },
  {
    // Tests, tools and the infrastructure resolver read the environment by design.
    files: [
      '**/*.spec.ts',
      '**/test/**',
      'tools/**',
      'libs/testing/**',
      'libs/config/src/**',
      'services/*/src/config.ts',
      '**/*.js',
      '**/*.mjs',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The conformance checks are test code run on live services' untyped answers.
    files: ['**/*.spec.ts', '**/test/**', 'tools/conformance/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // HTTP response bodies in tests are untyped JSON on purpose: assertions check their shape.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Types only from the libraries: a value import would put zod and the event schemas in the browser bundle.
    files: ['services/frontend/src/**/*.ts', 'services/frontend/src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@refarch/*'],
              allowTypeImports: true,
              message: 'The frontend imports only types from the libraries (import type …).',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
