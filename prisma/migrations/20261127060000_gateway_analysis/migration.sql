-- CreateEnum
CREATE TYPE "RouteAction" AS ENUM ('analyze', 'ignore', 'forward');

-- CreateEnum
CREATE TYPE "AnalysisStatus" AS ENUM ('running', 'retrying', 'done', 'failed', 'superseded');

-- CreateTable
CREATE TABLE "routing_decisions" (
    "instance_id" UUID NOT NULL,
    "action" "RouteAction" NOT NULL,
    "rule" VARCHAR(80) NOT NULL,
    "pipeline" VARCHAR(64),
    "destination" VARCHAR(64),
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "routing_decisions_pkey" PRIMARY KEY ("instance_id")
);

-- CreateTable
CREATE TABLE "analyses" (
    "id" UUID NOT NULL,
    "study_id" UUID NOT NULL,
    "job_id" VARCHAR(64) NOT NULL,
    "pipeline_key" VARCHAR(64) NOT NULL,
    "pipeline_name" TEXT,
    "pipeline_version" TEXT,
    "status" "AnalysisStatus" NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "error_code" VARCHAR(80),
    "error_message" TEXT,
    "image_count" INTEGER NOT NULL DEFAULT 0,
    "superseded_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "predictions" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "instance_id" UUID NOT NULL,
    "frame" INTEGER NOT NULL DEFAULT 0,
    "laterality" VARCHAR(2) NOT NULL,
    "status" VARCHAR(8) NOT NULL,
    "stage" VARCHAR(32),
    "confidence" DOUBLE PRECISION,
    "probabilities" JSONB,
    "lines" JSONB,
    "mask_sha256" CHAR(64),
    "models" JSONB,
    "latencies" JSONB,
    "error_code" VARCHAR(80),
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "predictions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "eye_results" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "laterality" VARCHAR(2) NOT NULL,
    "stage" VARCHAR(32) NOT NULL,
    "confidence" DOUBLE PRECISION,
    "evidence_prediction_id" UUID,
    "image_count" INTEGER NOT NULL,

    CONSTRAINT "eye_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "routing_decisions_action_pipeline_idx" ON "routing_decisions"("action", "pipeline");

-- CreateIndex
CREATE UNIQUE INDEX "analyses_job_id_key" ON "analyses"("job_id");

-- CreateIndex
CREATE INDEX "analyses_study_id_status_idx" ON "analyses"("study_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "predictions_analysis_id_instance_id_frame_key" ON "predictions"("analysis_id", "instance_id", "frame");

-- CreateIndex
CREATE UNIQUE INDEX "eye_results_analysis_id_laterality_key" ON "eye_results"("analysis_id", "laterality");

-- AddForeignKey
ALTER TABLE "routing_decisions" ADD CONSTRAINT "routing_decisions_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eye_results" ADD CONSTRAINT "eye_results_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

