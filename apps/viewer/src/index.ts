/**
 * apps/viewer — Secondary Capture overlays and the structured report written back to PACS through a durable outbox, and the clinicians' review web page.
 * Not implemented yet: it lands with issue 7. This file only makes the project a valid,
 * type-checked workspace member; it exports no features.
 */
export const APP_NAME = 'viewer';
