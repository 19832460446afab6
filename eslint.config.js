// Lint: the recommended JS and TypeScript rules, plus the layering rule DESIGN.md §9 asks for: only
// core/adapters/* may import kafkajs or ali-oss, and only core/adapters/kafka may reach the kafkajs client.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'kafkajs', message: 'Only core/adapters/kafka may import kafkajs.' },
          { name: 'ali-oss', message: 'Only core/adapters/oss may import ali-oss.' },
        ],
        patterns: [
          { group: ['**/adapters/kafka/kafkajs-handle*'], message: 'The kafkajs client stays inside core/adapters/kafka: use its functions.' },
        ],
      }],
    },
  },
  { files: ['core/adapters/kafka/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['core/adapters/oss/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
