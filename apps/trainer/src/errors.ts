import { RopError } from '@ropline/core';

/** A bad training option: the CLI prints `rop: TRAIN.BAD_OPTION: ...` and exits 2. */
export class TrainError extends RopError {
  constructor(message: string) {
    super('TRAIN.BAD_OPTION', message);
  }
}
