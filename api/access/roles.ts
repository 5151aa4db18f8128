import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../domain/access.js';

export const ROLES_KEY = 'custody:roles';
export const PUBLIC_KEY = 'custody:public';

/** Who may call a mutation: admins always may, besides the roles named. Queries need any valid token. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Reachable without a token (only `health`). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export { DATA_READ_ROLES, MUTATION_ROLES } from '../../domain/access.js';
