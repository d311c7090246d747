// @ts-check
import eslint from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'zlib',
  'child_process',
  'worker_threads',
  'net',
  'http',
  'https',
];

// The backend modules the Electron shell may import: plain helpers that open no database and run no handler.
const SHELL_MAY_IMPORT_FROM_BACKEND = ['paths', 'database-files', 'serve/static-files'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/.artifacts/', 'test-results/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Bracket access marks keys of untyped JSON documents; both forms are fine.
      '@typescript-eslint/dot-notation': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      'no-restricted-syntax': ['error', { selector: 'TSAsExpression > TSAnyKeyword', message: 'No `as any`.' }],
      // A switch over a union (a finding code, a verdict) must name every member, so a new member is a compile-time
      // question in each switch rather than a silent fall to the default.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    // shared/ runs in Node and in the browser: pure TypeScript only.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', 'better-sqlite3', 'react', '**/electron/**', '**/renderer/**'],
              message: 'shared/ must stay free of Node, DOM and Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // These warn about React Compiler memoization, which this app does not use.
      'react-hooks/incompatible-library': 'off',
      // The renderer reaches the backend only through the contract.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', 'better-sqlite3', '**/electron/**'],
              message: 'The renderer talks to the backend only through the API contract.',
            },
          ],
        },
      ],
    },
  },
  {
    // The command line runs the backend without Electron.
    files: ['electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The backend must run without Electron.' }],
          patterns: [
            {
              group: ['**/shell/**', '**/renderer/**', '../main.js', '../../main.js'],
              message: 'The backend and the command line must not reach into the Electron shell or the UI.',
            },
          ],
        },
      ],
    },
  },
  {
    // The backend runs without Electron (command line, serve mode, tests), and knows nothing of who calls it.
    files: ['electron/backend/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The backend must run without Electron.' }],
          patterns: [
            {
              group: ['**/shell/**', '**/renderer/**', '**/cli/**'],
              message: 'The backend must not reach into the shell, the UI or the command line.',
            },
          ],
        },
      ],
    },
  },
  {
    // The shell is thin: the database and the API's handlers run in the backend process, never in main.
    files: ['electron/shell/**/*.ts', 'electron/main.ts', 'electron/preload.cts'],
    // The backend process's own entry point, started by main as a utilityProcess.
    ignores: ['electron/shell/backend-process.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'The database lives in the backend process.' }],
          patterns: [
            {
              // An allow-list: of the backend, main may import only these plain helpers (VS Code's layering
              // style). Anything else under backend/ is refused, so a new backend folder is refused too.
              regex: String.raw`(^|/)backend/(?!(${SHELL_MAY_IMPORT_FROM_BACKEND.join('|')})\.js$)`,
              message: `main talks to the backend process through backend-client.ts; of the backend it may import only ${SHELL_MAY_IMPORT_FROM_BACKEND.map((name) => `${name}.ts`).join(', ')}.`,
            },
            {
              group: ['**/cli/**', '**/renderer/**'],
              message: 'main talks to the backend process through backend-client.ts, and to the UI through IPC.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
