#!/usr/bin/env node
// Generate data/corpus.json: the machine code of every function in corpus/c/*.c, as compiled
// by the local gcc. Used by the differential tests (our decoder vs iced-x86) and the benchmarks.
//
//   npm run corpus            (= node scripts/gen-corpus.mjs)
//
// Each C file names its own flag sets in its header comment, one per line:
//
//   * corpus-flags: -O2 -mavx2 -mfma
//
// A file with several such lines is compiled once per flag set. Every compile also gets COMMON_FLAGS
// (which pin down distro-dependent defaults: Ubuntu's gcc, for example, turns on -fcf-protection and
// the stack protector by default, Debian's does not).
//
// Each object file is parsed here (ELF64 little-endian, no tools needed beyond gcc): every FUNC
// symbol in an executable section gives one function, cut out exactly by st_value/st_size, so
// alignment padding between functions is never included. Relocations are not applied: call targets,
// RIP-relative displacements and absolute addresses that the linker would fill in stay zero.
//
// The output is deterministic for a given gcc: files in name order, flag sets in header order,
// functions in section order (= the order gcc emitted them).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC_DIR = "corpus/c";
const OUT = "data/corpus.json";
const CC = process.env.CC || "gcc";
const COMMON_FLAGS = ["-ffunction-sections", "-fcf-protection=none", "-fno-stack-clash-protection"];
const MAX_JSON_BYTES = 1.5 * 1024 * 1024;

function flagSetsOf(text, file) {
  const sets = [];
  for (const m of text.matchAll(/^\s*\*?\s*corpus-flags:\s*(.+?)\s*$/gm)) sets.push(m[1].split(/\s+/));
  if (sets.length === 0) throw new Error(`${file}: no "corpus-flags:" line in the header comment`);
  return sets;
}

// ---- minimal ELF64 reader ----

const SHT_SYMTAB = 2;
const SHF_EXECINSTR = 0x4;
const STT_FUNC = 2;

function readElfFunctions(buf, where) {
  if (buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${where}: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`${where}: not ELF64 little-endian`);
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    sections.push({
      nameOff: buf.readUInt32LE(o),
      type: buf.readUInt32LE(o + 4),
      flags: Number(buf.readBigUInt64LE(o + 8)),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28),
      entsize: Number(buf.readBigUInt64LE(o + 0x38)),
    });
  }
  const cstr = (sec, off) => {
    const start = sec.offset + off;
    const end = buf.indexOf(0, start);
    return buf.toString("latin1", start, end);
  };
  for (const s of sections) s.name = cstr(sections[shstrndx], s.nameOff);

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) throw new Error(`${where}: no symbol table`);
  const strtab = sections[symtab.link];
  const funcs = [];
  for (let o = symtab.offset; o < symtab.offset + symtab.size; o += symtab.entsize) {
    const info = buf[o + 4];
    const shndx = buf.readUInt16LE(o + 6);
    if ((info & 0xf) !== STT_FUNC || shndx === 0 || shndx >= 0xff00) continue;
    const sec = sections[shndx];
    if (!(sec.flags & SHF_EXECINSTR)) continue;
    const name = cstr(strtab, buf.readUInt32LE(o));
    const value = Number(buf.readBigUInt64LE(o + 8));
    const size = Number(buf.readBigUInt64LE(o + 16));
    if (size === 0) {
      console.warn(`warning: ${where}: ${name} has size 0, skipped`);
      continue;
    }
    if (value + size > sec.size) throw new Error(`${where}: ${name} runs past the end of ${sec.name}`);
    funcs.push({ name, shndx, value, size, bytes: buf.subarray(sec.offset + value, sec.offset + value + size) });
  }
  funcs.sort((a, b) => a.shndx - b.shndx || a.value - b.value);

  // Executable bytes that no function symbol covers (alignment padding between functions that share
  // a section, e.g. several .cold parts in .text.unlikely). They are left out; report how many.
  let uncovered = 0;
  for (const [i, sec] of sections.entries()) {
    if (!(sec.flags & SHF_EXECINSTR)) continue;
    const covered = new Uint8Array(sec.size);
    for (const f of funcs) if (f.shndx === i) covered.fill(1, f.value, f.value + f.size);
    uncovered += covered.reduce((n, c) => n + (c ? 0 : 1), 0);
  }
  funcs.uncovered = uncovered;
  return funcs;
}

// ---- main ----

function main() {
  const gccVersion = execFileSync(CC, ["--version"], { encoding: "utf8" }).split("\n")[0].trim();
  const files = readdirSync(join(ROOT, SRC_DIR)).filter((f) => f.endsWith(".c")).sort();
  if (files.length === 0) throw new Error(`no C files in ${SRC_DIR}`);
  const tmp = mkdtempSync(join(tmpdir(), "ve-mmio-corpus-"));
  const functions = [];
  const summary = [];
  try {
    for (const file of files) {
      const rel = `${SRC_DIR}/${file}`;
      for (const [k, set] of flagSetsOf(readFileSync(join(ROOT, rel), "utf8"), rel).entries()) {
        const flags = [...set, ...COMMON_FLAGS];
        const obj = join(tmp, `${file.replace(/\.c$/, "")}.${k}.o`);
        execFileSync(CC, [...flags, "-c", "-o", obj, rel], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
        const funcs = readElfFunctions(readFileSync(obj), `${rel} [${set.join(" ")}]`);
        let bytes = 0;
        for (const f of funcs) {
          functions.push({ file: rel, flags: flags.join(" "), name: f.name, hex: Buffer.from(f.bytes).toString("hex") });
          bytes += f.size;
        }
        const pad = funcs.uncovered ? ` (+${funcs.uncovered} padding bytes left out)` : "";
        summary.push(`${rel.padEnd(26)} ${String(funcs.length).padStart(4)} functions ${String(bytes).padStart(7)} bytes  ${set.join(" ")}${pad}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  // One function per line keeps diffs of the data file readable.
  const head = { generator: "scripts/gen-corpus.mjs", gcc: gccVersion };
  const lines = functions.map((f) => "    " + JSON.stringify(f));
  const json =
    "{\n" +
    Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join("") +
    '  "functions": [\n' + lines.join(",\n") + "\n  ]\n}\n";
  if (json.length > MAX_JSON_BYTES) throw new Error(`${OUT} would be ${json.length} bytes (limit ${MAX_JSON_BYTES})`);
  mkdirSync(join(ROOT, dirname(OUT)), { recursive: true });
  writeFileSync(join(ROOT, OUT), json);

  const totalBytes = functions.reduce((n, f) => n + f.hex.length / 2, 0);
  console.log(summary.join("\n"));
  console.log(`${gccVersion}`);
  console.log(`wrote ${relative(process.cwd(), join(ROOT, OUT)) || OUT}: ${functions.length} functions, ${totalBytes} code bytes, ${json.length} JSON bytes`);
}

main();
