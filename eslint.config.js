// Lint (issue 13): typescript-eslint's recommended rules without type information — a typed run
// would be a second full type check, and `npm test` already runs `tsc`. Formatting is
// prettier's (.prettierrc.json), not eslint's. Where a rule is relaxed, the reason is beside it.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', 'ui/dist/**', 'node_modules/**', 'test-output/**', 'data/**', 'coverage/**', '.tap/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_name` marks a value taken apart on purpose (a destructured field left out of a copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // bpmn-engine's behaviours are called with `this` bound to the activity, and the runtime
      // keeps a reference to itself for them (src/engine/runtime.ts); an arrow would lose it.
      '@typescript-eslint/no-this-alias': 'off',
      // Production code has no `any` left: `npm run lint` runs eslint with --max-warnings 0
      // (package.json), so a new one fails it.
      '@typescript-eslint/no-explicit-any': 'warn',
      // Input checks reject control characters on purpose (file names, URL paths, topics): the
      // character classes that match them are the point, not a mistake.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON answers whose shape is what they assert; typing every body
    // would restate the route schemas in each test.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['ui/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
)
