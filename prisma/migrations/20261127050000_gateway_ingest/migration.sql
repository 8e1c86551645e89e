-- CreateEnum
CREATE TYPE "IngestSource" AS ENUM ('stow', 'dimse');

-- CreateTable
CREATE TABLE "studies" (
    "id" UUID NOT NULL,
    "study_instance_uid" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "studies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "series" (
    "id" UUID NOT NULL,
    "series_instance_uid" VARCHAR(64) NOT NULL,
    "study_id" UUID NOT NULL,
    "modality" VARCHAR(16),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instances" (
    "id" UUID NOT NULL,
    "sop_instance_uid" VARCHAR(64) NOT NULL,
    "sop_class_uid" VARCHAR(64) NOT NULL,
    "series_id" UUID NOT NULL,
    "transfer_syntax_uid" VARCHAR(64) NOT NULL,
    "modality" VARCHAR(16),
    "manufacturer" VARCHAR(64),
    "manufacturer_model" VARCHAR(64),
    "laterality" VARCHAR(2),
    "instance_number" INTEGER,
    "rows" INTEGER,
    "columns" INTEGER,
    "frames" INTEGER NOT NULL DEFAULT 1,
    "blob_sha256" CHAR(64) NOT NULL,
    "byte_size" BIGINT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "IngestSource" NOT NULL,
    "remote" VARCHAR(128),

    CONSTRAINT "instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instance_history" (
    "id" BIGSERIAL NOT NULL,
    "instance_id" UUID NOT NULL,
    "sop_instance_uid" VARCHAR(64) NOT NULL,
    "transfer_syntax_uid" VARCHAR(64) NOT NULL,
    "blob_sha256" CHAR(64) NOT NULL,
    "byte_size" BIGINT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "IngestSource" NOT NULL,
    "remote" VARCHAR(128),
    "replaced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "instance_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "studies_study_instance_uid_key" ON "studies"("study_instance_uid");

-- CreateIndex
CREATE UNIQUE INDEX "series_series_instance_uid_key" ON "series"("series_instance_uid");

-- CreateIndex
CREATE INDEX "series_study_id_idx" ON "series"("study_id");

-- CreateIndex
CREATE UNIQUE INDEX "instances_sop_instance_uid_key" ON "instances"("sop_instance_uid");

-- CreateIndex
CREATE INDEX "instances_series_id_idx" ON "instances"("series_id");

-- CreateIndex
CREATE INDEX "instances_blob_sha256_idx" ON "instances"("blob_sha256");

-- CreateIndex
CREATE INDEX "instance_history_instance_id_idx" ON "instance_history"("instance_id");

-- AddForeignKey
ALTER TABLE "series" ADD CONSTRAINT "series_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instances" ADD CONSTRAINT "instances_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instance_history" ADD CONSTRAINT "instance_history_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
