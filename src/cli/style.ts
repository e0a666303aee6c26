// Colour for the human output: only when stdout is a terminal and NO_COLOR is not set
// (https://no-color.org), so pipes, files and CI logs get plain text.
import pc from "picocolors";

export const colourEnabled = (env: NodeJS.ProcessEnv = process.env, tty = process.stdout.isTTY === true): boolean =>
  tty && !env.NO_COLOR && env.TERM !== "dumb";

export const style = pc.createColors(colourEnabled());
