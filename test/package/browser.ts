// Runs a bundled ES module in headless Chromium and returns what it printed. A loopback HTTP
// server (127.0.0.1, a free port) serves the page, the bundle and the WASM file; the page posts
// its console.log lines (or its error) back, and then the browser is stopped.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync } from "node:fs";

export interface PageResult { lines: string[]; error: string | null }

/** The Chromium binary, or null when none is installed (.ci/run installs Debian's `chromium`). */
export function chromiumPath(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    const r = spawnSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

/**
 * The page's harness, bundled in front of the example: it records console.log lines, imports the
 * example (so its top-level await finishes first) and reports.
 */
export function harness(example: string): string {
  return `const lines = [];
const log = console.log.bind(console);
console.log = (...args) => { lines.push(args.map(String).join(" ")); log(...args); };
const report = (error) => fetch("/result", { method: "POST", body: JSON.stringify({ lines, error }) });
import(${JSON.stringify(example)}).then(() => report(null), (e) => report(String((e && e.stack) || e)));
`;
}

/** Serves `files` (path -> [content type, bytes]) at / and runs the page in Chromium. */
export async function runInChromium(chromium: string, files: Map<string, [string, Uint8Array | string]>, profileDir: string, timeoutMs = 60_000): Promise<PageResult> {
  mkdirSync(profileDir, { recursive: true });
  let resolveResult!: (r: PageResult) => void;
  const result = new Promise<PageResult>((res) => { resolveResult = res; });
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/result") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.end("ok");
        resolveResult(JSON.parse(Buffer.concat(chunks).toString("utf8")) as PageResult);
      });
      return;
    }
    const file = files.get(req.url === "/" ? "/index.html" : req.url ?? "");
    if (!file) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader("content-type", file[0]);
    res.end(file[1]);
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const { port } = server.address() as AddressInfo;
  const browser = spawn(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-extensions", `--user-data-dir=${profileDir}`, `http://127.0.0.1:${port}/`,
  ], { stdio: "ignore", detached: true, env: { ...process.env, TMPDIR: profileDir } }); // its temp files go with the profile
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PageResult>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`no result from Chromium within ${timeoutMs} ms`)), timeoutMs);
  });
  const exited = new Promise<PageResult>((_, rej) => {
    browser.on("exit", (code) => rej(new Error(`Chromium exited (${code}) before the page reported`)));
  });
  try {
    return await Promise.race([result, timeout, exited]);
  } finally {
    clearTimeout(timer);
    browser.removeAllListeners("exit");
    // The browser and its helper processes form our own process group.
    try { process.kill(-browser.pid!, "SIGKILL"); } catch { /* already gone */ }
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  }
}
