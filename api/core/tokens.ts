/** Injection tokens for the process-wide dependencies the API shares with the worker. */
export const CONFIG = Symbol('CONFIG');
export const DATABASE = Symbol('DATABASE');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
export const REPOSITORIES = Symbol('REPOSITORIES');
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');
