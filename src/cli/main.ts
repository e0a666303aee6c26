// The `ve-mmio` command line: argument parsing, checking and error reporting only; work happens in
// the commands. Every command writes through one Output (backpressure, stops when the reader goes).
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { loadDecoder } from "../decoder/node.js";
import { KERNEL_HELP, decoderFor } from "./kernel-option.js";
import type { OutputFormat } from "./decode.js";
import { addressWidth } from "./format.js";
import { InputError, isInputError, parseHex, parseNumber, rawFileBlocks, elfBlocks, type CodeBlock } from "./inputs.js";
import { runSurvey } from "./survey.js";
import { runTdDemo } from "./demo-td.js";
import { emulate, emulateJson, emulateHuman, type EmulateOptions } from "./emulate.js";
import type { ScanOptions } from "./scan.js";
import { registerHarvest } from "./harvest.js";
import { ScanInputError } from "../scan/objects.js";
import { Output, OutputError, ReaderGone, type Sink } from "./output.js";
import { progressBar } from "./progress.js";

interface DecodeOptions {
  hex?: string; file?: string; elf?: string; symbols?: string; section?: string;
  ip?: string; start?: string; end?: string; json?: boolean; jsonl?: boolean;
}

/** The decode input and the width its addresses need. Every option that does not apply is refused. */
async function decodeInput(args: string[], o: DecodeOptions): Promise<{ blocks: Iterable<CodeBlock>; count: number | null; width: number }> {
  const given = [args.length > 0 && "bytes", o.hex !== undefined && "--hex", o.file !== undefined && "--file", o.elf !== undefined && "--elf"].filter(Boolean);
  if (given.length !== 1) {
    throw new InputError(given.length === 0
      ? "no input: give hex bytes (arguments or --hex), --file or --elf"
      : `give one input, not ${given.join(" and ")}`);
  }
  const refuse = (flag: string, present: unknown, only: string) => {
    if (present !== undefined) throw new InputError(`${flag} applies only to ${only}`);
  };
  if (o.file === undefined) { refuse("--start", o.start, "--file"); refuse("--end", o.end, "--file"); }
  if (o.elf === undefined) { refuse("--symbols", o.symbols, "--elf"); refuse("--section", o.section, "--elf"); }
  else refuse("--ip", o.ip, "hex bytes and --file (an ELF gives its own addresses)");
  const ip = o.ip === undefined ? 0n : parseNumber(o.ip, "--ip");
  if (o.elf !== undefined) {
    const blocks = await elfBlocks(o.elf, o.symbols, o.section);
    const last = blocks.reduce((m, b) => (b.ip + BigInt(b.end) > m ? b.ip + BigInt(b.end) : m), 0n);
    return { blocks, count: blocks.length, width: addressWidth(last) };
  }
  if (o.file !== undefined) {
    const start = o.start === undefined ? undefined : parseNumber(o.start, "--start");
    const end = o.end === undefined ? undefined : parseNumber(o.end, "--end");
    const file = rawFileBlocks(o.file, ip, start, end);
    return { blocks: file.blocks, count: null, width: addressWidth(ip + BigInt(file.length)) };
  }
  const bytes = parseHex(o.hex ?? args.join(" "));
  if (ip + BigInt(bytes.length) > 1n << 64n) throw new InputError("--ip plus the input length passes 2^64");
  return { blocks: [{ name: null, ip, bytes, start: 0, end: bytes.length }], count: 1, width: addressWidth(ip + BigInt(bytes.length)) };
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

function packageVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }
  return "unknown";
}

const repeatable = (v: string, all: string[] | undefined) => [...(all ?? []), v];
const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}`;

/** What a run reports besides errors: 1 when a scan found a disagreement with iced-x86. */
export interface RunStatus { code: number }

export function buildProgram(out: Output, status: RunStatus = { code: 0 }): Command {
  const program = new Command("ve-mmio")
    .description("x86-64 decode engine for the Intel TDX #VE MMIO path: how the CPU and Linux's #VE handler read each MMIO access")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => { out.push(s.trimEnd()); } })
    .addHelpText("after", examples([
      "ve-mmio decode 8b 87 00 03 00 00",
      "ve-mmio decode --elf drivers/ata/libahci.ko.xz",
      "ve-mmio emulate --bytes \"8b 47 10\" --reg rdi=0xffffc90000001000 --read-value 0x12345678",
      "ve-mmio scan --sites ahci_scr_read --detail",
      "ve-mmio demo",
      "ve-mmio <command> --help",
    ]));

  program.command("decode")
    .description("decode instructions and show how the CPU and the Linux #VE handler read each MMIO access")
    .argument("[bytes...]", "instruction bytes in hex, e.g. 8b 87 00 03 00 00")
    .option("--hex <hex>", "instruction bytes as one hex string")
    .option("--file <path>", "decode a raw binary file (read in 1 MiB chunks: any size)")
    .option("--ip <addr>", "address of the first byte (hex input and --file)")
    .option("--start <offset>", "first byte offset in --file")
    .option("--end <offset>", "end offset (exclusive) in --file")
    .option("--elf <path>", "decode an x86-64 ELF (vmlinux, .ko, .ko.xz, .ko.zst, .o) function by function")
    .option("--symbols <path>", "System.map or kallsyms dump giving --elf's functions")
    .option("--section <name>", "only this section of --elf")
    .addOption(new Option("--json", "one JSON document (a single record, or an array)").conflicts("jsonl"))
    .addOption(new Option("--jsonl", "one JSON object per line").conflicts("json"))
    .option("--kernel <release>", KERNEL_HELP)
    .addHelpText("after", examples([
      "ve-mmio decode 8b 87 00 03 00 00",
      "ve-mmio decode --hex 8b870003000088 --ip 0xffffffff81000000",
      "ve-mmio decode --file code.bin --ip 0xffffffff81000000 --start 0x100 --end 0x200",
      "ve-mmio decode --elf libahci.ko.xz --jsonl | jq -c 'select(.diverges != [])'",
      "ve-mmio decode --elf vmlinux --symbols System.map --section .text | head",
    ]))
    .action(async (args: string[], o: DecodeOptions & { kernel?: string }) => {
      const format: OutputFormat = o.jsonl ? "jsonl" : o.json ? "json" : "human";
      const input = await decodeInput(args, o);
      const blocks = input.blocks;
      // Progress only when the output goes elsewhere than the terminal the bar is drawn on.
      const bar = input.count !== null && input.count > 2000 && process.stdout.isTTY !== true ? progressBar("decoding", input.count, "functions") : null;
      const counted = bar ? (function* () { for (const b of blocks) { yield b; bar.increment(); } })() : blocks;
      const { runDecode } = await withIced("decode", () => import("./decode.js"));
      try {
        await runDecode(await decoderFor(o), counted, format, out, input.width);
      } finally {
        bar?.stop();
      }
    });

  program.command("emulate")
    .description("run one instruction through the whole TDX #VE MMIO path in a tiny TD")
    .requiredOption("--bytes <hex>", "the instruction, e.g. \"8b 47 10\"")
    .option("--reg <name=value>", "initial register value (repeatable)", repeatable)
    .option("--rip <addr>", "instruction address (default 0xffffffff81000000)")
    .option("--gpa <addr>", "GPA behind the accessed address, or its page (the shared bit may be set)")
    .option("--read-value <value>", "what the device returns on a read")
    .option("--host-status <status>", "force the host's TDVMCALL status (R10)")
    .option("--user", "the instruction runs in user mode (CPL 3)")
    .option("--code-shared", "put the code in a shared page (the fetch faults)")
    .option("--mode <mode>", "linux (the kernel's handler, default) or arch (a correct emulator)")
    .option("--gpaw <bits>", "guest physical address width: 48 or 52")
    .option("--json", "one JSON object")
    .option("--kernel <release>", KERNEL_HELP)
    .addHelpText("after", examples([
      "ve-mmio emulate --bytes \"8b 47 10\" --reg rdi=0xffffc90000001000 --read-value 0x12345678",
      "ve-mmio emulate --bytes \"8a 27\" --reg rdi=0xffffc90000001000 --mode arch --json",
      "ve-mmio emulate --bytes \"f3 a4\" --reg rsi=0xffffc90000001010 --reg rcx=3 --mode arch",
    ]))
    .action(async (o: EmulateOptions & { kernel?: string }) => {
      const result = emulate(await decoderFor(o), o);
      if (o.json) await out.line(JSON.stringify(emulateJson(result)));
      else for (const line of emulateHuman(result)) await out.line(line);
    });

  program.command("scan")
    .description("check the kernel's MMIO sites: what the TDX #VE handler would do at each memory access")
    .option("--elf <path>", "vmlinux (with .symtab, or with --symbols), or a module (.ko, .ko.xz, .ko.zst, .o)")
    .option("--symbols <path>", "System.map or kallsyms dump for a stripped vmlinux")
    .option("--module <path>", "a kernel module to search too (repeatable)", repeatable)
    .option("--modules <dir>", "a module tree to search for sites not in the vmlinux")
    .option("--sites <list|file>", "site functions: name,name,... or a file of names (default: the 32 TDX boot sites)")
    .option("--sites-from <sites.jsonl>", "the functions of a `ve-mmio harvest`")
    .option("--debug-info <path>", "ELF with DWARF saying where missing sites were inlined (repeatable; default: the input, or the cached debug vmlinux)", repeatable)
    .option("--detail", "list every candidate access")
    .addOption(new Option("--json", "JSON report").conflicts(["md", "detail"]))
    .addOption(new Option("--md", "Markdown report").conflicts(["json", "detail"]))
    .option("--all-functions", "list every function with a MOV form the kernel cannot emulate through a non-stack pointer")
    .option("--kernel <release>", KERNEL_HELP)
    .addHelpText("after", examples([
      "ve-mmio scan                                  # the 32 TDX boot sites in the cached kernel",
      "ve-mmio scan --sites ahci_scr_read,mask_ioapic_irq --detail",
      "ve-mmio scan --elf vmlinux --symbols System.map --modules /lib/modules/$(uname -r)/kernel --md",
      "ve-mmio scan --elf libahci.ko --debug-info libahci.ko.debug --sites ahci_enable_ahci",
      "ve-mmio scan --all-functions",
    ]))
    .action(async (o: ScanOptions & { kernel?: string }) => {
      const { scanSites, scanAllFunctions, scanText, scanMarkdown, scanJson } = await withIced("scan", () => import("./scan.js"));
      const decoder = await decoderFor(o);
      if (o.allFunctions) {
        if (o.md || o.detail || o.sites !== undefined) throw new InputError("--all-functions takes no --sites, --md or --detail");
        const found = await scanAllFunctions(decoder, o);
        if (o.json) await out.line(JSON.stringify(found, null, 2));
        else for (const f of found) await out.line(`${f.object}: ${f.name}: ${f.refused.join(" ")}`);
        if (!o.json) await out.line(`${found.length} functions with MOV forms the #VE handler refuses`);
        return;
      }
      const { label, results } = await scanSites(decoder, o);
      if (o.json) await out.line(scanJson(label, results));
      else for (const line of o.md ? scanMarkdown(label, results) : scanText(label, results, o.detail === true)) await out.line(line);
      if (results.some((r) => r.report && r.report.icedDisagreements.length > 0)) status.code = 1;
    });

  registerHarvest(program, (line) => { out.push(line); });

  program.command("demo")
    .description("boot a demo TD with device models and run driver MMIO instructions through the #VE path")
    .addHelpText("after", examples(["ve-mmio demo", "npm start    # builds, then runs the demo"]))
    .action(async () => runTdDemo(await loadDecoder(), (line) => { out.push(line); }));

  program.command("survey")
    .description("decode the built-in corpus of driver-style code and summarise both MMIO readings")
    .addHelpText("after", examples(["ve-mmio survey"]))
    .action(async () => runSurvey(await loadDecoder(), (line) => { out.push(line); }));

  return program;
}

/** Errors that mean the input was bad (exit 2), as opposed to a bug of ours (exit 1). */
const badInput = (e: unknown): e is Error => isInputError(e) || e instanceof ScanInputError;

/** Where a run writes: the process's streams, or a test's. */
export interface Io { stdout: Sink; stderr: { write(text: string): unknown } }

let quietStdoutErrors = false;

/** Runs the CLI; returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (io.stdout === process.stdout && !quietStdoutErrors) {
    // Write errors reach us through the write callbacks (Output); this only keeps Node from
    // treating the same error, emitted as an event, as uncaught.
    process.stdout.on("error", () => undefined);
    quietStdoutErrors = true;
  }
  const out = new Output(io.stdout);
  const status: RunStatus = { code: 0 };
  const fail = (message: string, code: number) => {
    io.stderr.write(`ve-mmio: ${message.split("\n")[0]}\n`);
    return code;
  };
  try {
    const program = buildProgram(out, status);
    if (argv.length === 0) {
      program.outputHelp();
      await out.drain();
      return 0;
    }
    await program.parseAsync(argv, { from: "user" });
    await out.drain();
    return status.code;
  } catch (e) {
    if (e instanceof ReaderGone) return 0;
    if (e instanceof OutputError) return fail(e.message, 2);
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) {
        try { await out.drain(); } catch (w) { if (w instanceof OutputError) return fail(w.message, 2); }
        return 0;
      }
      return fail(e.message.replace(/^error: /, ""), 2);
    }
    if (badInput(e)) return fail(e.message, 2);
    return fail(`internal error: ${(e as Error).message}`, 1);
  }
}
