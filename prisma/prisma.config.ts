// Prisma CLI config: the JS engine (no native engine downloads; the build machines reach only npm).
// Used by `prisma generate` (root postinstall) and `prisma migrate diff`; migrations are applied by
// @ropline/db's openDatabase(), not by `prisma migrate deploy`.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// `prisma generate` reads the datasource URL to pick the engine; without one it falls back to the
// native library engine and tries to download it. Any syntactically valid URL will do for generate.
process.env.DATABASE_URL ??= 'postgresql://127.0.0.1:5432/ropline';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, 'schema.prisma'),
  adapter: async () =>
    new PrismaPg({
      connectionString: process.env.DATABASE_URL,
      allowExitOnIdle: true,
    }),
});
