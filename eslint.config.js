// ESLint: the dependency rules of docs/architecture.md as import restrictions, plus no-floating-promises.
// Kept to what the architecture asks for, so `npm run lint` stays fast and every finding is a real problem.
import tseslint from 'typescript-eslint'

/** A `no-restricted-imports` pattern forbidding imports of the given src/ folders (relative paths from any depth). */
function forbid (folders, message) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message }
}

const below = 'runs back up the layers (docs/architecture.md, "Dependency rules")'

function layer (files, ...patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } }
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'openapi/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  // codec/ and util/: pure helpers, import nothing of krest above them.
  layer(['src/codec/**/*.ts'], forbid(['util', 'storage', 'backend', 'groups', 'registry', 'serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `codec/ ${below}`)),
  layer(['src/util/**/*.ts'], forbid(['codec', 'storage', 'backend', 'groups', 'registry', 'serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `util/ ${below}`)),
  // storage/ knows nothing of the layers above it (HTTP, Kafka's protocol, schemas, loggers, metrics libraries).
  layer(['src/storage/**/*.ts'], forbid(['backend', 'groups', 'registry', 'serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `storage/ ${below}`)),
  // groups/ and registry/ reach storage only through the backend's ports (backend/ports.ts).
  layer(['src/groups/**/*.ts'],
    forbid(['storage'], 'groups/ reach storage only through the backend port: import from ../backend/ports.js'),
    { regex: '^\\.\\./backend/(?!ports\\.js$)', message: 'groups/ may use only backend/ports.js of the backend' },
    forbid(['registry', 'serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `groups/ ${below}`)),
  layer(['src/registry/**/*.ts'],
    forbid(['storage', 'groups'], 'registry/ reaches its internal topic only through the backend port: import from ../backend/ports.js'),
    { regex: '^\\.\\./backend/(?!ports\\.js$)', message: 'registry/ may use only backend/ports.js of the backend' },
    forbid(['serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `registry/ ${below}`)),
  // backend/: the interface and its embedded implementation sit on storage and groups, below everything else.
  layer(['src/backend/**/*.ts'], forbid(['registry', 'serde', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `backend/ ${below}`)),
  // serde/ and proxy/: the REST proxy's domain, on the Backend interface; never the engine behind it.
  layer(['src/serde/**/*.ts'], forbid(['storage', 'groups', 'proxy', 'http', 'kafka', 'telemetry', 'config', 'cli'], `serde/ uses the backend interface, never the engine, and ${below}`)),
  layer(['src/proxy/**/*.ts'], forbid(['storage', 'groups', 'http', 'kafka', 'telemetry', 'config', 'cli'], `proxy/ uses the backend interface, never the engine, and ${below}`)),
  // http/ and kafka/ (the protocol listeners) are thin: they call domain modules through the backend interface.
  layer(['src/http/**/*.ts'], forbid(['storage', 'groups', 'kafka', 'cli'], 'http/ never imports the storage engine or the groups: use the Backend interface (and not the other listener or the CLI)')),
  layer(['src/kafka/**/*.ts'], forbid(['storage', 'groups', 'http', 'cli'], 'kafka/ never imports the storage engine or the groups: use the Backend interface (and not the other listener or the CLI)')),
  // The composition root is the only module that builds the whole; nothing imports it but the CLI and scripts.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/main.ts', 'src/openapi-document.ts', 'src/index.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'ImportDeclaration[source.value=/(^|\\/)gateway\\.js$/]',
        message: 'Only the CLI and the document builders import the composition root (gateway.ts).',
      }],
    },
  },
)
