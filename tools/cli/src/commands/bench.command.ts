import type { Command } from 'commander';
import { registerBenchInference } from './bench-inference.command.js';
import { registerBenchIngest } from './bench-ingest.command.js';
import { registerBenchPreprocess } from './bench-preprocess.command.js';
import { registerBenchTrain } from './bench-train.command.js';

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmarks that time ROPline against a peer (OpenCV, PyTorch, Orthanc) in the same run');
  registerBenchPreprocess(bench);
  registerBenchInference(bench);
  registerBenchTrain(bench);
  registerBenchIngest(bench);
}
