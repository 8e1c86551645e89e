-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ModelKind" AS ENUM ('segmenter', 'classifier', 'pipeline');

-- CreateEnum
CREATE TYPE "ModelStatus" AS ENUM ('candidate', 'active', 'retired');

-- CreateEnum
CREATE TYPE "ModelEventAction" AS ENUM ('register', 'promote', 'rollback');

-- CreateTable
CREATE TABLE "registered_models" (
    "id" UUID NOT NULL,
    "kind" "ModelKind" NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "location" TEXT NOT NULL,
    "source_path" TEXT NOT NULL,
    "dataset_hash" TEXT,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "detail" TEXT,
    "status" "ModelStatus" NOT NULL DEFAULT 'candidate',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "segmenter_id" UUID,
    "classifier_id" UUID,

    CONSTRAINT "registered_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_events" (
    "id" BIGSERIAL NOT NULL,
    "model_id" UUID NOT NULL,
    "kind" "ModelKind" NOT NULL,
    "name" TEXT NOT NULL,
    "action" "ModelEventAction" NOT NULL,
    "from_version" TEXT,
    "to_version" TEXT,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "registered_models_sha256_key" ON "registered_models"("sha256");

-- CreateIndex
CREATE INDEX "registered_models_kind_name_status_idx" ON "registered_models"("kind", "name", "status");

-- CreateIndex
CREATE UNIQUE INDEX "registered_models_name_version_key" ON "registered_models"("name", "version");

-- CreateIndex
CREATE INDEX "model_events_kind_name_id_idx" ON "model_events"("kind", "name", "id");

-- AddForeignKey
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_segmenter_id_fkey" FOREIGN KEY ("segmenter_id") REFERENCES "registered_models"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_classifier_id_fkey" FOREIGN KEY ("classifier_id") REFERENCES "registered_models"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_events" ADD CONSTRAINT "model_events_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "registered_models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- One active version per (kind, name), enforced by the database as well as by the registry's
-- transactions. Prisma's schema language cannot express partial indexes: keep this index when
-- generating later migrations (drop any "DROP INDEX registered_models_one_active" a diff proposes).
CREATE UNIQUE INDEX "registered_models_one_active" ON "registered_models"("kind", "name") WHERE "status" = 'active';
