// The `ve-mmio` command line: argument parsing and error reporting only; work happens in commands.
import { Command, CommanderError } from "commander";
import { loadDecoder } from "../decoder/node.js";
import type { OutputFormat } from "./decode.js";
import { InputError, parseHex, parseNumber, rawFileBlock, elfBlocks, type CodeBlock } from "./inputs.js";
import { runSurvey } from "./survey.js";
import { runTdDemo } from "./demo-td.js";
import { emulate, emulateJson, emulateHuman, type EmulateOptions } from "./emulate.js";
import { registerHarvest } from "./harvest.js";
import type { ScanOptions } from "./scan.js";

interface DecodeOptions {
  hex?: string; file?: string; elf?: string; symbols?: string; section?: string;
  ip?: string; start?: string; end?: string; json?: boolean; jsonl?: boolean;
}

function blocksFor(args: string[], o: DecodeOptions): CodeBlock[] {
  const sources = [args.length > 0 || o.hex !== undefined, o.file !== undefined, o.elf !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new InputError("give exactly one input: hex bytes (arguments or --hex), --file or --elf");
  const ip = o.ip === undefined ? 0n : parseNumber(o.ip, "--ip");
  if (o.elf !== undefined) return elfBlocks(o.elf, o.symbols, o.section);
  if (o.file !== undefined) {
    return [rawFileBlock(o.file, ip, o.start === undefined ? undefined : parseNumber(o.start, "--start"),
      o.end === undefined ? undefined : parseNumber(o.end, "--end"))];
  }
  const bytes = parseHex(o.hex ?? args.join(" "));
  return [{ name: null, ip, bytes, start: 0, end: bytes.length }];
}

/**
 * decode and scan disassemble with iced-x86, an optional peer dependency (library users need not
 * install it): their modules load only when they run, after checking that iced-x86 is there.
 */
async function withIced<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    await import("iced-x86");
  } catch {
    throw new InputError(`${command} needs iced-x86 (an optional peer dependency): npm install iced-x86`);
  }
  return load();
}

export function buildProgram(write: (line: string) => void): Command {
  const program = new Command("ve-mmio")
    .description("x86-64 decode engine for the Intel TDX #VE MMIO path")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => write(s.trimEnd()) });

  program.command("decode")
    .description("decode instructions and show how the CPU and the Linux #VE handler read each MMIO access")
    .argument("[bytes...]", "instruction bytes in hex, e.g. 8b 87 00 03 00 00")
    .option("--hex <hex>", "instruction bytes as one hex string")
    .option("--file <path>", "decode a raw binary file")
    .option("--ip <addr>", "address of the first byte (raw input)")
    .option("--start <offset>", "first byte offset in --file")
    .option("--end <offset>", "end offset (exclusive) in --file")
    .option("--elf <path>", "decode an x86-64 ELF (vmlinux, .ko, .o) function by function")
    .option("--symbols <path>", "System.map or kallsyms dump giving --elf's functions")
    .option("--section <name>", "only this section of --elf")
    .option("--json", "one JSON document")
    .option("--jsonl", "one JSON object per line")
    .action(async (args: string[], o: DecodeOptions) => {
      const format: OutputFormat = o.jsonl ? "jsonl" : o.json ? "json" : "human";
      const blocks = blocksFor(args, o);
      const { runDecode } = await withIced("decode", () => import("./decode.js"));
      runDecode(await loadDecoder(), blocks, format, write);
    });

  program.command("emulate")
    .description("run one instruction through the whole TDX #VE MMIO path in a tiny TD")
    .requiredOption("--bytes <hex>", "the instruction, e.g. \"8b 47 10\"")
    .option("--reg <name=value>", "initial register value (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--rip <addr>", "instruction address (default 0xffffffff81000000)")
    .option("--gpa <addr>", "GPA (without the shared bit) behind the accessed address")
    .option("--read-value <value>", "what the device returns on a read")
    .option("--host-status <status>", "force the host's TDVMCALL status (R10)")
    .option("--user", "the instruction runs in user mode (CPL 3)")
    .option("--code-shared", "put the code in a shared page (the fetch faults)")
    .option("--mode <mode>", "linux (the kernel's handler, default) or arch (a correct emulator)")
    .option("--gpaw <bits>", "guest physical address width: 48 or 52")
    .option("--json", "one JSON object")
    .action(async (o: EmulateOptions) => {
      let result;
      try {
        result = emulate(await loadDecoder(), o);
      } catch (e) {
        if ((e as Error).name === "MemoryError" || (e as Error).name === "TdError") throw new InputError((e as Error).message);
        throw e;
      }
      if (o.json) write(JSON.stringify(emulateJson(result)));
      else for (const line of emulateHuman(result)) write(line);
    });

  program.command("scan")
    .description("check the kernel's MMIO sites: what the TDX #VE handler would do at each memory access")
    .option("--elf <path>", "vmlinux (with .symtab, or with --symbols), or a module (.ko, .ko.xz, .ko.zst, .o)")
    .option("--symbols <path>", "System.map or kallsyms dump for a stripped vmlinux")
    .option("--module <path>", "a kernel module to search too (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--modules <dir>", "a module tree to search for sites not in the vmlinux")
    .option("--sites <list|file>", "site functions: name,name,... or a file of names (default: the 32 TDX boot sites)")
    .option("--sites-from <sites.jsonl>", "the functions of a `ve-mmio harvest`")
    .option("--debug-info <path>", "ELF with DWARF saying where missing sites were inlined (repeatable; default: the input, or the cached debug vmlinux)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--detail", "list every candidate access")
    .option("--json", "JSON report")
    .option("--md", "Markdown report")
    .option("--all-functions", "list every function with a MOV form the kernel cannot emulate through a non-stack pointer")
    .action(async (o: ScanOptions) => {
      const { scanSites, scanAllFunctions, scanText, scanMarkdown, scanJson, ScanInputError } =
        await withIced("scan", () => import("./scan.js"));
      const decoder = await loadDecoder();
      try {
        if (o.allFunctions) {
          const found = scanAllFunctions(decoder, o, process.stderr.isTTY === true);
          if (o.json) write(JSON.stringify(found, null, 2));
          else for (const f of found) write(`${f.object}: ${f.name}: ${f.refused.join(" ")}`);
          write(`${found.length} functions with MOV forms the #VE handler refuses`);
          return;
        }
        const { label, results } = scanSites(decoder, o);
        if (o.json) write(scanJson(label, results));
        else for (const line of o.md ? scanMarkdown(label, results) : scanText(label, results, o.detail === true)) write(line);
        if (results.some((r) => r.report && r.report.icedDisagreements.length > 0)) process.exitCode = 1;
      } catch (e) {
        if (e instanceof ScanInputError) throw new InputError(e.message);
        throw e;
      }
    });

  registerHarvest(program, write);

  program.command("demo")
    .description("boot a demo TD with device models and run driver MMIO instructions through the #VE path")
    .action(async () => runTdDemo(await loadDecoder(), write));

  program.command("survey")
    .description("decode the built-in corpus of driver-style code and summarise both MMIO readings")
    .action(async () => runSurvey(await loadDecoder(), write));

  return program;
}

/** Runs the CLI; returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (ve-mmio ... | head) is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const out = (line: string) => process.stdout.write(line + "\n");
  try {
    await buildProgram(out).parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      process.stderr.write(`ve-mmio: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`ve-mmio: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`ve-mmio: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}
