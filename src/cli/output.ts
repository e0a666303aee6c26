// Where every command's output goes: lines gathered into chunks of at most 64 KiB, each chunk handed
// to the stream and waited for before the next, so output never runs ahead of the reader
// (backpressure) and a reader that goes away (`| head`) or a full disk stops the command at the
// next chunk.

/** The reader closed the pipe (EPIPE): not an error, the command just stops. */
export class ReaderGone extends Error {}

/** Writing failed for another reason (ENOSPC on `> /dev/full`, EIO, ...). */
export class OutputError extends Error {
  constructor(readonly code: string) {
    super(`cannot write output: ${code}`);
  }
}

const CHUNK = 64 * 1024;

/** The smallest stream surface an Output needs (process.stdout, or a test's sink). */
export interface Sink {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

export class Output {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly sink: Sink) {}

  /**
   * Queues one line. Returns true when the queue is full: the caller must `await drain()` before
   * the next line (the hot loops test this instead of awaiting every line).
   */
  push(line: string): boolean {
    this.pending.push(line);
    this.size += line.length + 1;
    return this.size >= CHUNK;
  }

  /** Queues one line and waits for the reader when the queue is full. */
  async line(text: string): Promise<void> {
    if (this.push(text)) await this.drain();
  }

  /** Writes the queued lines and waits until the stream has taken them; throws ReaderGone/OutputError. */
  drain(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    const text = this.pending.join("\n") + "\n";
    this.pending = [];
    this.size = 0;
    return new Promise((resolve, reject) => {
      this.sink.write(text, (error) => {
        if (!error) return resolve();
        const code = (error as NodeJS.ErrnoException).code ?? error.message;
        reject(code === "EPIPE" || code === "ERR_STREAM_DESTROYED" ? new ReaderGone() : new OutputError(code));
      });
    });
  }
}
