import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The demo model shipped in the repository (models/demo, made by scripts/make-demo-model.sh from
 * phantoms: synthetic data, not for clinical use). The default of `rop analyze`, `rop segment` and
 * `rop demo`, and the gateway's default pipeline.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_MODEL_DIR = path.join(REPO_ROOT, 'models', 'demo');
export const DEMO_PIPELINE = path.join(DEMO_MODEL_DIR, 'pipelines', 'hybrid');
/** The demo pipeline's registry name (its pipeline.json `name`): retrained versions register under it. */
export const DEMO_PIPELINE_NAME = 'rop-demo-hybrid';
