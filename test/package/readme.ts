// README.md's code blocks, as the package tests read them: the library examples (```js, each a
// complete program, optionally followed by a ```text block with its exact output) and the shell
// commands (```sh, one command per line, `# comment` stripped), so README and tests cannot drift.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Block { lang: string; info: string; code: string; line: number }

/** Every fenced block of `markdown`, in order, with its info string ("js browser" -> lang "js"). */
export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
    const info = open[1].trim();
    blocks.push({ lang: info.split(/\s+/)[0] ?? "", info, code: body.join("\n") + "\n", line: start + 1 });
  }
  return blocks;
}

export interface Example {
  /** "node" examples run as .mjs; "browser" ones (```js browser) in headless Chromium. */
  where: "node" | "browser";
  code: string;
  /** The exact output README gives for it (the ```text block right after), or null. */
  output: string | null;
  line: number;
}

export function readme(): string {
  return readFileSync(new URL("README.md", `file://${ROOT}`), "utf8");
}

/** The library examples: every ```js block. */
export function examples(markdown = readme()): Example[] {
  const blocks = codeBlocks(markdown);
  return blocks.flatMap((b, i) => {
    if (b.lang !== "js") return [];
    const next = blocks[i + 1];
    const output = next && next.lang === "text" && next.line === b.line + b.code.split("\n").length + 1 ? next.code : null;
    return [{ where: b.info.includes("browser") ? "browser" : "node", code: b.code, output, line: b.line } as Example];
  });
}

export interface Command { section: string; command: string; line: number }

/** The shell commands of every ```sh block, with the heading they stand under. */
export function commands(markdown = readme()): Command[] {
  const heads: { line: number; title: string }[] = [];
  markdown.split("\n").forEach((l, i) => {
    const m = /^#{2,3} (.*)$/.exec(l);
    if (m) heads.push({ line: i + 1, title: m[1] });
  });
  return codeBlocks(markdown).filter((b) => b.lang === "sh").flatMap((b) => {
    const section = heads.filter((h) => h.line < b.line).at(-1)?.title ?? "";
    return b.code.split("\n").flatMap((raw, k) => {
      const command = raw.replace(/\s+#\s.*$/, "").trim();
      return command ? [{ section, command, line: b.line + 1 + k }] : [];
    });
  });
}
