import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  URL: 'readonly',
  fetch: 'readonly',
  AbortSignal: 'readonly',
  AbortController: 'readonly',
  Buffer: 'readonly',
};

/** The chat platforms' libraries (each channel's own). */
const platformLibraries = [
  'grammy',
  'grammy/*',
  '@slack/*',
  'discord.js',
  'discord.js/*',
  'matrix-js-sdk',
  'matrix-js-sdk/*',
  'baileys',
  'baileys/*',
  'libsignal',
  'libsignal/*',
];

/** `import('<a platform library>')`: the same rule for a library loaded when needed. */
const dynamicPlatformImport = {
  selector: String.raw`ImportExpression[source.value=/^(grammy|@slack\/[a-z-]+|discord\.js|matrix-js-sdk|baileys|libsignal)(\/|$)/]`,
  message: "A platform's library is loaded only in its channel's folder (src/channels/<id>/).",
};

/** Every Node module, bare and `node:`-prefixed, with its subpaths (`fs/promises`, `node:stream/web`). */
const nodeModules = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))].flatMap((name) => [
  name,
  `${name}/*`,
  `node:${name}`,
  `node:${name}/*`,
]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: nodeGlobals,
      // Type-aware rules: the project's own tsconfig.
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'bin/clawflow.js', 'test/helpers/busy-runtime.mjs', 'test/helpers/mcp-test-server.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A promise nobody awaits loses its errors; one passed where a callback returns nothing is never awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // A platform's library is a channel's own: only its folder in src/channels/ loads it.
    files: ['src/**/*.ts'],
    ignores: ['src/channels/*/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: platformLibraries, message: "A platform's library is loaded only in its channel's folder (src/channels/<id>/).", allowTypeImports: true },
          ],
        },
      ],
      'no-restricted-syntax': ['error', dynamicPlatformImport],
    },
  },
  {
    // What every channel shares never depends on one channel: a channel plugs into it, not the other way.
    files: ['src/connectors/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: platformLibraries, message: "A platform's library is loaded only in its channel's folder (src/channels/<id>/).", allowTypeImports: true },
            {
              regex: String.raw`(^|/)channels/`,
              message: 'src/connectors/ is what every channel shares: it imports no channel (a channel imports it).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        dynamicPlatformImport,
        {
          selector: String.raw`ImportExpression[source.value=/(^|\/)channels\//]`,
          message: 'src/connectors/ is what every channel shares: it imports no channel (a channel imports it).',
        },
      ],
    },
  },
  {
    // A manifest is what the configuration reads of a channel: zod, the shared contracts and the channels' own
    // access fields, never the adapter, its runtime or the platform's library.
    files: ['src/channels/*/manifest.ts', 'src/channels/manifest.ts', 'src/channels/manifests.ts', 'src/channels/access.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(?!(zod)$|\.\./\.\./contracts/|\.\./contracts/|\.\./(access|manifest)\.js$|\./(access|manifest)\.js$|\./[a-z]+/manifest\.js$)`,
              message:
                "A channel's manifest imports only zod, src/contracts and the channels' access and manifest types: the configuration reads it without loading the channel.",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic. No Node API, no activity implementation, no I/O; values
    // only from the workflow SDK, zod, the workflows themselves and the shared contracts (types from anywhere).
    files: ['src/workflows/**/*.ts'],
    languageOptions: { globals: { console: 'readonly', URL: 'readonly' } },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeModules
            .filter((name) => !name.endsWith('/*'))
            .map((name) => ({ name, message: 'Workflow code must not use Node APIs: do it in an activity.', allowTypeImports: true })),
          patterns: [
            {
              group: nodeModules.filter((name) => name.endsWith('/*')),
              message: 'Workflow code must not use Node APIs: do it in an activity.',
              allowTypeImports: true,
            },
            {
              regex: String.raw`^(?!(@temporalio/workflow|@temporalio/common|zod)$|\./|\.\./[^/]+\.js$|\.\./contracts/|\.\./\.\./contracts/)`,
              message: 'Workflow code imports values only from @temporalio/workflow, zod, src/workflows and src/contracts (types may come from anywhere).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-globals': [
        'error',
        ...[
          'process',
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'fetch',
          'Buffer',
          'require',
          '__dirname',
          '__filename',
          'queueMicrotask',
        ].map((name) => ({
          name,
          message: 'Not in workflow code: use the workflow SDK (sleep, condition) or an activity.',
        })),
      ],
    },
  },
);
