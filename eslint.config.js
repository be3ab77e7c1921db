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

/**
 * src/'s folders from the top down, as the README's "Development" map has them: a file imports only from its own
 * folder, a folder below it, or the files directly in src/ (logger, redaction, errors). A channel's manifest sits low
 * although its folder sits high: the configuration reads it (and only it).
 */
const layers = [
  'cli',
  'stack',
  'workers',
  'channels',
  'console',
  'connectors',
  'api',
  'activities',
  'session-client',
  'schedules',
  'workflows',
  'agent',
  'tools',
  'workspace',
  'transcript',
  'usage',
  'temporal',
  'config',
  'http',
  'telemetry',
  'fs',
  'contracts',
];

const platformPattern = {
  group: platformLibraries,
  message: "A platform's library is loaded only in its channel's folder (src/channels/<id>/).",
  allowTypeImports: true,
};

/** One block per folder: nothing from a folder above it (types included: a type names what it depends on). */
const layerBlocks = layers.map((layer, index) => {
  const above = layers.slice(0, index).filter((name) => name !== 'channels');
  const channelsAbove = layers.indexOf('channels') < index;
  // What every channel shares (src/connectors/) knows no channel at all, not even its manifest.
  const channelsRefused = layer === 'connectors' ? 'channels/' : String.raw`channels/(?!(manifests?|access)\.js$|[a-z]+/manifest\.js$)`;
  const upward = [...(above.length ? [`(${above.join('|')})/`] : []), ...(channelsAbove ? [channelsRefused] : [])];
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(layer === 'channels' ? [] : [platformPattern]),
            ...(upward.length
              ? [
                  {
                    regex: String.raw`^(\.\./)+(${upward.join('|')})`,
                    message: `src/${layer}/ imports only from itself and the folders below it (the README's "Development" map): this one is above it.`,
                  },
                ]
              : []),
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...(layer === 'channels' ? [] : [dynamicPlatformImport]),
        ...(upward.length
          ? [
              {
                selector: `ImportExpression[source.value=/^(\\.\\.\\/)+(${upward.join('|').replaceAll('/', '\\/')})/]`,
                message: `src/${layer}/ imports only from itself and the folders below it.`,
              },
            ]
          : []),
      ],
    },
  };
});

/** Every Node module, bare and `node:`-prefixed, with its subpaths (`fs/promises`, `node:stream/web`). */
const nodeModules = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))].flatMap((name) => [
  name,
  `${name}/*`,
  `node:${name}`,
  `node:${name}/*`,
]);

/**
 * Workflow code is replayed: it must stay deterministic. No Node API, no activity implementation, no I/O; values only
 * from the workflow SDK, zod, the workflows themselves and the shared contracts (types from anywhere). `relative`: the
 * paths up from `files` that reach workflow files and contracts, and nothing else of src/.
 */
const workflowBlock = (files, relative) => ({
  files,
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
            regex: String.raw`^(?!(@temporalio/workflow|@temporalio/common|zod)$|\./|${relative})`,
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
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'agentcore/**'] },
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
  ...layerBlocks,
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
  // Files in src/workflows/ (`../` is src/), and one folder down (`../x.js` is a workflow file there, never src/'s own).
  workflowBlock(['src/workflows/*.ts'], String.raw`\.\./contracts/`),
  workflowBlock(['src/workflows/*/**/*.ts'], String.raw`\.\./[a-z][^/]*\.js$|\.\./\.\./contracts/`),
);
