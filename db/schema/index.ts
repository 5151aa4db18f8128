export * from './datasets.js';
export * from './runs.js';
export * from './training.js';
export * from './models.js';
export * from './governance.js';
export * from './access.js';
export * from './audit.js';
export * from './serving.js';
