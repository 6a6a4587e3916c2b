// Lint: typescript-eslint's recommended rules, plus the line that keeps the engine pure
// (no I/O, no clock, no randomness, no process state), which determinism and replay rest on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const impureGlobals = ['Date', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'performance', 'crypto', 'require'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'crypto', 'child_process', 'os', 'worker_threads'], message: 'The engine is pure: side effects live at the edge.' }] }],
      'no-restricted-globals': ['error', ...impureGlobals.map((name) => ({ name, message: 'The engine is pure: time and randomness arrive as sequenced commands.' }))],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'The engine is pure: no randomness.' }],
    },
  },
);
