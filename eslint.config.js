// Lint rules; the layer rules keep imports pointing down:
// kumo (binary) → cli, server, agent;  web/cli → api;  server → db, api, core, ldap-auth, ec2;  agent → drivers → core.
// ec2 (the EC2 Query API vocabulary) sees only core and api: the server hands it a backend (ports) over its services.
// ldap-auth (the LDAP vocabulary of directory logins) imports no Kumo package.
// Drivers are driver-qemu and driver-fake; driver-conformance (the shared driver test suite) sees only core.
import tseslint from 'typescript-eslint';

const forbid = (...names) => ({
  'no-restricted-imports': ['error', {
    patterns: names.map((n) => ({ group: [n, `${n}/*`], message: `layer rule: this package must not import ${n}` })),
  }],
});

// The driver packages, and the conformance suite that only their tests use.
const drivers = ['@kumo/driver-qemu', '@kumo/driver-fake', '@kumo/driver-conformance'];

// What the HTTP layer must not do: reach the Kysely handle or build queries itself.
const routeDataAccess = [
  { selector: "MemberExpression[property.name='db']", message: 'data access rule: routes do not touch the database; call a service (which uses the scoped repositories)' },
  {
    selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction)$/]",
    message: 'data access rule: no queries in the HTTP layer; move them into a repository method that takes a Scope, called from a service',
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'packages/web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['packages/core/**'], rules: forbid('@kumo/api', '@kumo/db', '@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/netcfg', '@kumo/web') },
  { files: ['packages/api/**'], rules: forbid('@kumo/db', '@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/netcfg', '@kumo/web') },
  { files: ['packages/cli/**', 'packages/web/**'], rules: forbid('@kumo/db', '@kumo/server', '@kumo/agent', ...drivers, '@kumo/netcfg', '@kumo/core', '@kumo/ldap-auth') },
  // host-exec (running host programs) is the lowest layer: it imports no Kumo package.
  { files: ['packages/host-exec/**'], rules: forbid('@kumo/core', '@kumo/api', '@kumo/db', '@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/netcfg', '@kumo/netagent', '@kumo/storage', '@kumo/web') },
  { files: ['packages/ldap-auth/**'], rules: forbid('@kumo/core', '@kumo/api', '@kumo/db', '@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/netcfg', '@kumo/web') },
  { files: ['packages/ec2/**'], rules: forbid('@kumo/db', '@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/netcfg', '@kumo/web', '@kumo/ldap-auth', 'kysely') },
  { files: ['packages/db/**'], rules: forbid('@kumo/server', '@kumo/agent', '@kumo/cli', ...drivers, '@kumo/web') },
  { files: ['packages/server/**'], rules: forbid('@kumo/agent', '@kumo/cli', ...drivers, '@kumo/web') },
  // Route handlers parse, call a service and map the result: no database access of their own.
  // Tenant data is read and written through the tenant-scoped repositories (packages/db/src/repos),
  // from services (docs/architecture.md, "Database"). Tests and their fixtures may set up rows directly.
  {
    files: ['packages/server/src/http/**'],
    ignores: ['**/*.test.ts', '**/*-test-fixture.ts'],
    rules: {
      ...forbid('@kumo/agent', '@kumo/cli', ...drivers, '@kumo/web', 'kysely'),
      'no-restricted-syntax': ['error', ...routeDataAccess],
    },
  },
  { files: ['packages/agent/**', 'packages/driver-qemu/**'], rules: forbid('@kumo/db', '@kumo/server', '@kumo/cli', '@kumo/web') },
  { files: ['packages/driver-fake/**', 'packages/driver-conformance/**'], rules: forbid('@kumo/agent', '@kumo/driver-qemu', '@kumo/netcfg', '@kumo/db', '@kumo/server', '@kumo/cli', '@kumo/web') },
  { files: ['packages/driver-conformance/**'], rules: forbid('@kumo/agent', ...drivers, '@kumo/netcfg', '@kumo/db', '@kumo/server', '@kumo/cli', '@kumo/web') },
);
