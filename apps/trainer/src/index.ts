/**
 * apps/trainer — rop train / evaluate / experiment / models: training from datasets, the paper's evaluation tables, and the model registry.
 * Not implemented yet: it lands with issue 5. This file only makes the project a valid,
 * type-checked workspace member; it exports no features.
 */
export const APP_NAME = 'trainer';
