// Progress bars go to stderr only when it is a terminal, and only for work that lasts.
import { describe, it, expect, vi } from "vitest";
import { progressBar } from "../../src/cli/progress.js";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY, columns: 100,
    write: (s: string) => { written.push(s); return true; },
    cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

describe("progress bars", () => {
  it("draw nothing when stderr is not a terminal, however long the work", () => {
    vi.useFakeTimers();
    try {
      const { stream, written } = fakeStream(false);
      const bar = progressBar("searching modules", 10, "files", stream);
      for (let i = 0; i < 10; i++) { vi.advanceTimersByTime(1000); bar.increment(); }
      bar.stop();
      expect(written).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("on a terminal, appear once the work has run for a second, never for quick work", () => {
    vi.useFakeTimers();
    try {
      const quick = fakeStream(true);
      const fast = progressBar("scanning", 5, "functions", quick.stream);
      for (let i = 0; i < 5; i++) fast.increment();
      fast.stop();
      expect(quick.written.join("")).toBe("");
      const slow = fakeStream(true);
      const bar = progressBar("searching modules", 10, "files", slow.stream);
      for (let i = 0; i < 10; i++) { vi.advanceTimersByTime(400); bar.increment(); }
      bar.stop();
      expect(slow.written.join("")).toMatch(/searching modules .* \d+\/10 files/);
    } finally {
      vi.useRealTimers();
    }
  });
});
