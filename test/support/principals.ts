import type { Repositories } from '../../db/repositories/index.js';
import type { Role } from '../../db/schema/access.js';

/** The people of the tests, with their roles. Tests act as them through real API tokens. */
export const PEOPLE: Record<string, Role> = {
  'engineer@example.com': 'submitter',
  'ci@example.com': 'submitter',
  'approver@example.com': 'approver',
  'ana@example.com': 'approver',
  'bo@example.com': 'approver',
  'risk@example.com': 'approver',
  'reviewer@example.com': 'approver',
  'viewer@example.com': 'viewer',
  'admin@example.com': 'admin',
};

/** Registers the people as principals (no tokens): enough for raw Temporal signals. */
export async function seedPrincipals(repos: Repositories): Promise<void> {
  for (const [name, role] of Object.entries(PEOPLE)) await repos.access.upsertPrincipal(name, role, 'test');
}
