import { Command, CommanderError } from 'commander';
import { registerDicomCommands } from './commands/dicom.command.js';
import { registerPreprocessCommand } from './commands/preprocess.command.js';
import { registerBenchCommands } from './commands/bench.command.js';
import { registerDatasetCommands } from './commands/dataset.command.js';
import { registerDemoCommand } from './commands/demo.command.js';
import { registerGatewayCommand } from './commands/gateway.command.js';
import { registerSendCommand } from './commands/send.command.js';
import { registerModelCommands } from './commands/models.command.js';
import { registerModelRegistryCommands } from './commands/models-registry.command.js';
import { registerOutboxCommand } from './commands/outbox.command.js';
import { registerRetrainCommand } from './commands/retrain.command.js';
import { registerMetricsCommands } from './commands/metrics.command.js';
import { registerPhantomsCommand } from './commands/phantoms.command.js';
import { registerTrainerCommands } from './commands/trainer.command.js';
import { EXIT } from './run-command.js';

export function createProgram(): Command {
  const program = new Command('rop')
    .description(
      'ROPline: Retinopathy of Prematurity staging tools (DICOM, preprocessing, models, benchmarks)',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerDemoCommand(program);
  registerDicomCommands(program);
  registerPreprocessCommand(program);
  registerModelCommands(program);
  registerModelRegistryCommands(program);
  registerBenchCommands(program);
  registerPhantomsCommand(program);
  registerDatasetCommands(program);
  registerMetricsCommands(program);
  registerTrainerCommands(program);
  registerGatewayCommand(program);
  registerSendCommand(program);
  registerOutboxCommand(program);
  registerRetrainCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code (commands set process.exitCode themselves). */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version exit 0; usage errors (unknown option, missing argument) exit 2.
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    throw e;
  }
  return Number(process.exitCode ?? EXIT.ok);
}
