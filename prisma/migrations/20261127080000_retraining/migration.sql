-- CreateEnum
CREATE TYPE "RetrainStatus" AS ENUM ('queued', 'running', 'done', 'failed');

-- CreateTable
CREATE TABLE "retraining_runs" (
    "id" UUID NOT NULL,
    "trigger" VARCHAR(16) NOT NULL,
    "requested_by" VARCHAR(64) NOT NULL,
    "status" "RetrainStatus" NOT NULL DEFAULT 'queued',
    "params" JSONB NOT NULL DEFAULT '{}',
    "progress" JSONB NOT NULL DEFAULT '{}',
    "snapshot_hash" VARCHAR(64),
    "candidate_name" TEXT,
    "candidate_version" TEXT,
    "metrics" JSONB,
    "error_code" VARCHAR(80),
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "retraining_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "retraining_runs_status_created_at_idx" ON "retraining_runs"("status", "created_at");

