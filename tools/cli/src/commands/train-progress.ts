import { SingleBar } from 'cli-progress';
import type { FitProgress } from '@ropline/trainer';

/**
 * Progress of long training work on stderr: a bar with ETA and the live loss on a terminal, one
 * line per epoch otherwise (logs, CI). Loading/preprocessing shows as its own bar.
 */
export interface TrainProgressView {
  step(name: string, index?: number, total?: number): void;
  load(done: number, total: number, what: string): void;
  fit(p: FitProgress): void;
  stop(): void;
}

export function createTrainProgress(enabled: boolean): TrainProgressView {
  const tty = Boolean(process.stderr.isTTY);
  let stepName = '';
  let bar: SingleBar | null = null;
  let barKind: 'load' | 'fit' | null = null;
  const write = (line: string) => enabled && process.stderr.write(`${line}\n`);
  const stopBar = () => {
    bar?.stop();
    bar = null;
    barKind = null;
  };
  const startBar = (kind: 'load' | 'fit', total: number, format: string, payload: object) => {
    if (barKind === kind && bar) return;
    stopBar();
    bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, etaBuffer: 50 });
    bar.start(total, 0, payload);
    barKind = kind;
  };
  return {
    step(name, index, total) {
      stopBar();
      stepName = name;
      write(index && total ? `[${index}/${total}] ${name}` : name);
    },
    load(done, total, what) {
      if (!enabled || !tty) return;
      startBar('load', total, `${stepName} | ${what} [{bar}] {value}/{total}`, {});
      bar!.setTotal(total);
      bar!.update(done);
      if (done === total) stopBar();
    },
    fit(p) {
      if (!enabled) return;
      if (p.phase === 'batch') {
        if (!tty) return;
        startBar(
          'fit',
          p.epochs * p.batches,
          `${stepName} [{bar}] {percentage}% | epoch {epoch}/{epochs} | loss {loss} | val {val} | ETA {eta_formatted}`,
          { epoch: p.epoch, epochs: p.epochs, loss: '-', val: '-' },
        );
        bar!.update((p.epoch - 1) * p.batches + p.batch, { epoch: p.epoch, loss: p.loss.toFixed(4) });
        return;
      }
      const r = p.record;
      const acc = r.metrics['valAcc'] !== undefined ? ` val acc ${r.metrics['valAcc'].toFixed(3)}` : '';
      if (tty && bar) bar.update({ val: r.valLoss.toFixed(4) });
      else
        write(
          `epoch ${r.epoch}/${p.epochs} loss ${r.loss.toFixed(4)} val ${r.valLoss.toFixed(4)}${acc} (${r.seconds.toFixed(1)} s)${p.improved ? ' best' : ''}`,
        );
    },
    stop: stopBar,
  };
}

/** Ctrl-C stops cleanly between batches (the best model and the last checkpoint are kept). */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nrop: stopping after the current batch (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onSigint) };
}
