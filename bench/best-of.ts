// Best-of-N timing beside benny's mean. The machine is shared: a mean absorbs other engineers'
// load, the fastest of N samples is what the code costs when it has a core to itself. Samples are
// this process's CPU time (user + system), so time spent descheduled does not count; cases of one
// comparison run round-robin in one process, so a noisy stretch hits all of them alike.
import os from "node:os";

export interface TimedCase {
  name: string;
  /** One unit of work (a pass over a code set, or one #VE decode). */
  run: () => void;
}

/** The CPU the figures were taken on, as every bench run prints it. */
export function cpuLine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? "unknown CPU"} x${cpus.length}, node ${process.version}`;
}

/**
 * Seconds per unit of each case: the minimum over `rounds` samples, each sample repeating the case
 * until at least `minSeconds` have passed (so nanosecond cases are timed over many calls). Every
 * sample, in round order, goes into `samples` when given (see pairedRatio).
 */
export function bestOf(cases: readonly TimedCase[], rounds: number, minSeconds: number, samples?: Map<string, number[]>): Map<string, number> {
  const best = new Map<string, number>(cases.map((c) => [c.name, Infinity]));
  for (const c of cases) c.run(); // warm-up: compile and tier up before any sample counts
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      let reps = 0;
      const t0 = process.cpuUsage();
      let elapsed = 0;
      do {
        c.run();
        reps++;
        const used = process.cpuUsage(t0);
        elapsed = (used.user + used.system) / 1e6;
      } while (elapsed < minSeconds || elapsed === 0);
      best.set(c.name, Math.min(best.get(c.name)!, elapsed / reps));
      if (samples) (samples.get(c.name) ?? samples.set(c.name, []).get(c.name)!).push(elapsed / reps);
    }
  }
  return best;
}

/** Runs `body` `n` times: lets a nanosecond case be timed in batches without a closure per call. */
export function repeat(n: number, body: () => void): () => void {
  return () => {
    for (let i = 0; i < n; i++) body();
  };
}

/**
 * The median over rounds of a's sample over b's sample from the same round. A round times the
 * cases back to back, so a slower stretch of a shared machine (seen here: the same loop at 76 and
 * at 130 ns from one minute to the next) scales both; the ratio of two minima can pair a's fast
 * stretch with b's slow one.
 */
export function pairedRatio(samples: Map<string, number[]>, a: string, b: string): number {
  const x = samples.get(a)!, y = samples.get(b)!;
  const ratios = x.map((v, i) => v / y[i]).sort((p, q) => p - q);
  return ratios[ratios.length >> 1];
}
