-- CreateEnum
CREATE TYPE "ResultKind" AS ENUM ('overlay', 'report');

-- CreateEnum
CREATE TYPE "OutboxKind" AS ENUM ('result', 'forward');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('pending', 'sending', 'sent', 'dead');

-- CreateEnum
CREATE TYPE "LabelScope" AS ENUM ('image', 'eye');

-- CreateEnum
CREATE TYPE "LabelKind" AS ENUM ('stage', 'line', 'ungradable');

-- CreateTable
CREATE TABLE "result_objects" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "kind" "ResultKind" NOT NULL,
    "sop_instance_uid" VARCHAR(64) NOT NULL,
    "sop_class_uid" VARCHAR(64) NOT NULL,
    "series_instance_uid" VARCHAR(64) NOT NULL,
    "study_instance_uid" VARCHAR(64) NOT NULL,
    "source_instance_id" UUID,
    "frame" INTEGER,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "blob_sha256" CHAR(64) NOT NULL,
    "byte_size" BIGINT NOT NULL,
    "model_name" TEXT,
    "model_version" TEXT,
    "superseded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "result_objects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "destination" VARCHAR(64) NOT NULL,
    "kind" "OutboxKind" NOT NULL,
    "sop_instance_uid" VARCHAR(64) NOT NULL,
    "sop_class_uid" VARCHAR(64) NOT NULL,
    "transfer_syntax_uid" VARCHAR(64) NOT NULL,
    "study_instance_uid" VARCHAR(64) NOT NULL,
    "blob_sha256" CHAR(64) NOT NULL,
    "byte_size" BIGINT NOT NULL,
    "result_object_id" UUID,
    "instance_id" UUID,
    "status" "OutboxStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMPTZ(3),
    "last_status" VARCHAR(64),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "confirmed_labels" (
    "id" BIGSERIAL NOT NULL,
    "study_instance_uid" VARCHAR(64) NOT NULL,
    "scope" "LabelScope" NOT NULL,
    "kind" "LabelKind" NOT NULL,
    "instance_id" UUID,
    "frame" INTEGER NOT NULL DEFAULT 0,
    "laterality" VARCHAR(2) NOT NULL,
    "stage" VARCHAR(32),
    "line" JSONB,
    "ungradable" BOOLEAN,
    "agrees_with_model" BOOLEAN,
    "analysis_id" UUID,
    "model_version" TEXT,
    "actor" VARCHAR(64) NOT NULL,
    "note" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "confirmed_labels_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "result_objects_sop_instance_uid_key" ON "result_objects"("sop_instance_uid");

-- CreateIndex
CREATE INDEX "result_objects_analysis_id_idx" ON "result_objects"("analysis_id");

-- CreateIndex
CREATE INDEX "result_objects_study_instance_uid_kind_idx" ON "result_objects"("study_instance_uid", "kind");

-- CreateIndex
CREATE INDEX "outbox_status_next_attempt_at_idx" ON "outbox"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbox_study_instance_uid_idx" ON "outbox"("study_instance_uid");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_destination_sop_instance_uid_blob_sha256_key" ON "outbox"("destination", "sop_instance_uid", "blob_sha256");

-- CreateIndex
CREATE INDEX "confirmed_labels_study_instance_uid_at_idx" ON "confirmed_labels"("study_instance_uid", "at");

-- CreateIndex
CREATE INDEX "confirmed_labels_instance_id_kind_at_idx" ON "confirmed_labels"("instance_id", "kind", "at");

-- CreateIndex
CREATE INDEX "confirmed_labels_at_idx" ON "confirmed_labels"("at");

