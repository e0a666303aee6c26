// Kernel modules for the initramfs: each module's `depends=` from its .modinfo section, and the
// load order (dependencies first) of the closure of the modules a device set needs.
import { parseElf64 } from "../elf/elf64.js";

export class ModuleError extends Error {
  override readonly name = "ModuleError";
}

/** The `depends=` list of a module (.ko bytes); [] when it has none. */
export function moduleDepends(ko: Uint8Array): string[] {
  const info = parseElf64(ko).section(".modinfo");
  if (!info) throw new ModuleError("no .modinfo section: not a kernel module");
  const fields = new TextDecoder().decode(info.bytes()).split("\0");
  const dep = fields.find((f) => f.startsWith("depends="));
  return dep === undefined ? [] : dep.slice("depends=".length).split(",").filter(Boolean);
}

/** `iTCO-wdt` and `iTCO_wdt` are one module: the kernel treats - and _ alike in names. */
export function moduleKey(name: string): string {
  return name.replace(/-/g, "_");
}

/**
 * Load order for `wanted` and everything they depend on: `dependsOf(name)` gives a module's
 * dependencies (throwing ModuleError if the module does not exist). Dependencies come first; a
 * cycle is a ModuleError.
 */
export function loadOrder(wanted: readonly string[], dependsOf: (name: string) => readonly string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]) => {
    const key = moduleKey(name);
    if (state.get(key) === "done") return;
    if (state.get(key) === "visiting") throw new ModuleError(`module dependency cycle: ${[...chain, name].join(" -> ")}`);
    state.set(key, "visiting");
    for (const d of dependsOf(name)) visit(d, [...chain, name]);
    state.set(key, "done");
    order.push(key);
  };
  for (const w of wanted) visit(w, []);
  return order;
}
