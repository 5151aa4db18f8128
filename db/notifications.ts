/**
 * The NOTIFY channels migration 0029's triggers announce changes on, once their transactions commit: the
 * payload of `deployments` is the model's id; of `access`, the table that changed (api_tokens or principals).
 */
export const CHANNELS = { deployments: 'custody_deployments', access: 'custody_access' } as const;
