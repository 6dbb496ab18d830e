import type { RoleNames } from '../../src/db/roles';

/**
 * The roles of the test databases (created by global-setup.ts if missing). Their passwords are
 * their names: they exist only on a test server, and a server that trusts local connections
 * ignores them.
 */
export const TEST_ROLES = {
  owner: 'registry_test_owner',
  app: 'registry_test_app',
  ownerPassword: 'registry_test_owner',
  appPassword: 'registry_test_app',
} as const satisfies RoleNames;

/** The server's URL for one database, connecting as the owner or the service role. */
export function roleUrl(adminUrl: string, databaseName: string, role: 'owner' | 'app'): string {
  const url = new URL(adminUrl);
  url.username = TEST_ROLES[role];
  url.password = role === 'owner' ? TEST_ROLES.ownerPassword : TEST_ROLES.appPassword;
  url.pathname = `/${databaseName}`;
  // Commits return before their WAL reaches the disk (a setting of each connection, so no extra
  // statement per database): what a commit makes visible is the same, only a crash of the server
  // could lose the last ones, and a test database does not outlive its run. Each commit waited
  // about 2 ms for fdatasync on this machine.
  url.searchParams.set('options', '-c synchronous_commit=off');
  return url.toString();
}
