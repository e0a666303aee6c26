// Linear-to-physical translation as the #VE path needs it: a narrow interface (so simulators can
// plug in their own MMU) and a direct-map implementation. Instruction fetch from a shared page
// raises #PF: TDX forbids executing shared memory.
import type { GuestMemory, Access } from "./memory.js";

/** #PF error code bits (SDM vol. 3, 4.7). */
export const PF = { PRESENT: 1, WRITE: 2, USER: 4, FETCH: 16 } as const;

export type Translation = { gpa: bigint } | { pageFault: number };

export interface Translator {
  translate(va: bigint, access: Access, cpl: number): Translation;
}

interface Mapping { va: bigint; end: bigint; gpa: bigint }

/** Fixed linear ranges onto guest-physical ranges (like the kernel's direct map or ioremap). */
export class DirectMap implements Translator {
  private readonly maps: Mapping[] = [];

  constructor(private readonly memory: GuestMemory) {}

  /** Maps [va, va + size) to [gpa, gpa + size); gpa carries the shared bit for shared mappings. */
  map(va: bigint, gpa: bigint, size: number): void {
    this.maps.push({ va, end: va + BigInt(size), gpa });
  }

  translate(va: bigint, access: Access, cpl: number): Translation {
    const user = cpl === 3 ? PF.USER : 0;
    const kind = (access === "write" ? PF.WRITE : 0) | (access === "fetch" ? PF.FETCH : 0) | user;
    const m = this.maps.find((x) => va >= x.va && va < x.end);
    if (!m) return { pageFault: kind };
    const gpa = m.gpa + (va - m.va);
    const pageKind = this.memory.kindOf(gpa);
    if (pageKind === null) return { pageFault: kind };
    if (access === "fetch" && (pageKind === "shared" || this.memory.isSharedGpa(gpa))) return { pageFault: kind | PF.PRESENT };
    return { gpa };
  }
}
