export {
  dbConfigSchema,
  describeUrl,
  parseDbConfig,
  redact,
  type DbConfig,
  type DbConfigInput,
} from './db-config.schema.js';
export { EMBEDDED_DATABASE, startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';
export {
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  readMigrations,
  type Migration,
  type MigrationReport,
} from './migrate.js';
export { openDatabase, type Database } from './open-database.js';
export { Prisma, PrismaClient } from './generated/prisma/client.js';
export type { ModelEvent, RegisteredModel } from './generated/prisma/client.js';
export { ModelEventAction, ModelKind, ModelStatus } from './generated/prisma/enums.js';
