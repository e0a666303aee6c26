// A progress bar on stderr for work that may take more than a couple of seconds (module trees,
// whole kernels). Drawn only when stderr is a terminal, and only once the work has run for a
// second, so quick runs, pipes and CI logs stay clean.
import cliProgress from "cli-progress";

export interface Progress {
  increment(by?: number): void;
  stop(): void;
}

const SHOW_AFTER_MS = 1000;

export function progressBar(label: string, total: number, unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true) return { increment: () => undefined, stop: () => undefined };
  const t0 = Date.now();
  let done = 0;
  let bar: cliProgress.SingleBar | null = null;
  return {
    increment(by = 1) {
      done += by;
      if (!bar && Date.now() - t0 >= SHOW_AFTER_MS) {
        bar = new cliProgress.SingleBar({ format: `${label} {bar} {value}/{total} ${unit}`, stream, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      } else bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
