// V8 compiles every typed-array access with a check that its buffer was not detached, unless no
// ArrayBuffer in the process has ever been detached (a process-wide "protector"). Growing a
// WebAssembly memory detaches its old buffer, so one grow anywhere makes every Uint32Array load
// and store in the process slower: the #VE round trip measured 1.5x slower and the direct
// TDVMCALL 1.3x. The decoder's one-instruction instance therefore starts with all the memory it
// will ever use (asconfig's initialMemory) and never grows; this test holds it to that. V8's
// --trace-protector-invalidation names the protector the moment it is invalidated: a child process
// runs the #VE path and the decoder's one-instruction calls, and must not print it.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = (path: string) => JSON.stringify(pathToFileURL(`${root}dist/${path}`).href);

/** What the child does: the #VE path as a simulator drives it, with and without the decode cache. */
const VE_WORK = `
const { loadDecoder } = await import(${dist("src/decoder/node.js")});
const { readlTd, accessTd, READL_RIP_LO } = await import(${dist("bench/readl-td.js")});
const { VePlan } = await import(${dist("src/decoder/plan.js")});
const decoder = await loadDecoder();
decoder.decode(new Uint8Array([0x8b, 0x47, 0x10]));
decoder.decodePlan(3, new VePlan(), true);
for (const cache of [false, true]) {
  for (const site of [readlTd(decoder, cache), accessTd(decoder, cache, [0x89, 0x47, 0x10], 0n, 0xdeadbeefn)]) {
    for (let i = 0; i < 20000; i++) { site.vcpu.words[32] = READL_RIP_LO; if (!site.td.deliverFast(site.vcpu, site.ve).handled) throw new Error("not handled"); }
    for (let i = 0; i < 100; i++) { site.vcpu.words[32] = READL_RIP_LO; site.td.deliver(site.vcpu, site.ve); }
    site.td.onVe(() => {});
    for (let i = 0; i < 100; i++) { site.vcpu.words[32] = READL_RIP_LO; site.td.deliverFast(site.vcpu, site.ve); }
  }
}
console.log("ran");
`;

/** Runs `script` as an ES module under --trace-protector-invalidation; its stdout and stderr. */
function traced(script: string): string {
  const r = spawnSync(process.execPath, ["--trace-protector-invalidation", "--input-type=module", "-e", script], { encoding: "utf8", cwd: root });
  if (r.status !== 0) throw new Error(`the child failed: ${r.stderr}`);
  return r.stdout + r.stderr;
}

describe("the #VE path never detaches an ArrayBuffer", () => {
  it("the oracle sees a detach: one WebAssembly memory grow invalidates the protector", () => {
    const out = traced(`new WebAssembly.Memory({ initial: 1 }).grow(1); console.log("ran");`);
    expect(out).toContain("ran");
    expect(out).toContain("ArrayBufferDetaching");
  });

  it("loading the decoder, decoding one instruction and about 80,000 round trips (cache on and off, traced or not) leave it intact", () => {
    const out = traced(VE_WORK);
    expect(out).toContain("ran");
    expect(out).not.toContain("ArrayBufferDetaching");
  });
});
