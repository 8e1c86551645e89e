export * from './destination.schema.js';
export {
  OutboxStore,
  backoffMs,
  type OutboxEntry,
  type OutboxItem,
  type OutboxKind,
  type OutboxStatus,
  type DeliveryOutcome,
  type OutboxCounts,
} from './outbox.store.js';
export { createSender, isPermanent, type Sender } from './destination.sender.js';
export { startOutboxRunner, type OutboxRunner, type OutboxRunnerOptions } from './outbox.runner.js';
