/** Who may do what: the roles, and the one rule of how they compare. */

export const ROLES = ['viewer', 'submitter', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` satisfies a requirement of one of `required`: admin satisfies every one. */
export const roleSatisfies = (role: Role, required: readonly Role[]): boolean => role === 'admin' || required.includes(role);
