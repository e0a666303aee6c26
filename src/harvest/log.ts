// The mmio-trace plugin's log (harvest-plugin/mmio-trace.c): instruction records and the ordered
// MMIO accesses of one boot. Pure: parses text, no Node API.

/** One instruction that made MMIO accesses, as the plugin saw it at translation time. */
export interface LoggedInsn {
  readonly id: number;
  readonly vaddr: bigint;
  readonly bytes: Uint8Array;
}

/** One MMIO access, in execution order. */
export interface LoggedAccess {
  readonly insn: number;
  readonly gpa: bigint;
  readonly size: number;
  readonly write: boolean;
}

export interface PluginLog {
  readonly insns: ReadonlyMap<number, LoggedInsn>;
  readonly accesses: readonly LoggedAccess[];
}

export class LogError extends Error {
  override readonly name = "LogError";
  constructor(message: string, readonly line: number) {
    super(`plugin log line ${line}: ${message}`);
  }
}

const INSN = /^I (\d+) ([0-9a-f]{1,16}) ((?:[0-9a-f]{2}){1,15})$/;
const ACCESS = /^A (\d+) ([0-9a-f]{1,16}) (1|2|4|8|16|32) ([rw])$/;

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Parses a whole log. A truncated last line (QEMU killed mid-write) is dropped; any other
 * malformed line, or an access naming an instruction not yet defined, is a LogError.
 */
export function parsePluginLog(text: string): PluginLog {
  const insns = new Map<number, LoggedInsn>();
  const accesses: LoggedAccess[] = [];
  const lines = text.split("\n");
  const complete = lines.length - 1; // the last piece is "" or a line cut short by a kill
  for (let i = 0; i < complete; i++) {
    const line = lines[i];
    if (line.startsWith("A ")) {
      const m = ACCESS.exec(line);
      if (!m) throw new LogError(`not an access record: ${JSON.stringify(line.slice(0, 80))}`, i + 1);
      const insn = Number(m[1]);
      if (!insns.has(insn)) throw new LogError(`access by undefined instruction ${insn}`, i + 1);
      accesses.push({ insn, gpa: BigInt("0x" + m[2]), size: Number(m[3]), write: m[4] === "w" });
    } else if (line.startsWith("I ")) {
      const m = INSN.exec(line);
      if (!m) throw new LogError(`not an instruction record: ${JSON.stringify(line.slice(0, 80))}`, i + 1);
      const id = Number(m[1]);
      if (insns.has(id)) throw new LogError(`instruction ${id} defined twice`, i + 1);
      insns.set(id, { id, vaddr: BigInt("0x" + m[2]), bytes: hexBytes(m[3]) });
    } else if (line !== "") {
      throw new LogError(`unknown record: ${JSON.stringify(line.slice(0, 80))}`, i + 1);
    }
  }
  return { insns, accesses };
}
