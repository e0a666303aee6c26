// Child processes for the package tests: npm, npx, node and tsc as a user would run them, with a
// time limit, and without the npm_package_* / npm_lifecycle_* variables `npm test` sets (they
// describe this repository, not the project the command runs in).
import { spawnSync } from "node:child_process";

export interface Ran { status: number | null; stdout: string; stderr: string; ms: number }

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_(package|lifecycle)_|^INIT_CWD$/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `file args` in `cwd`; never throws (the caller asserts on status and output). */
export function run(file: string, args: string[], cwd: string, timeoutMs = 120_000, env = cleanEnv()): Ran {
  const started = Date.now();
  const r = spawnSync(file, args, { cwd, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""), ms: Date.now() - started };
}

/** Runs a shell command line as written (README commands use $(...) and &&). */
export function sh(command: string, cwd: string, timeoutMs = 120_000, env = cleanEnv()): Ran {
  return run("bash", ["-c", command], cwd, timeoutMs, env);
}

/** Throws with the command's output when it did not exit 0. */
export function ok(r: Ran, what: string): Ran {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}
