/**
 * Questions on stdin that work with a terminal and with piped input alike. readline drops lines
 * that arrive while no question is pending (piped input arrives all at once), so every line is
 * queued until a question takes it.
 */
import { createInterface, type Interface } from "node:readline";

/** A line-at-a-time prompt on stdin; questions go to stderr so stdout stays the run's output. */
export class LinePrompt {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiter?: (line: string | undefined) => void;
  private closed = false;

  constructor(input: NodeJS.ReadableStream = process.stdin, private readonly output: NodeJS.WritableStream = process.stderr) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on("line", (line) => {
      if (this.waiter) this.take(line);
      else this.lines.push(line);
    });
    this.rl.on("close", () => {
      this.closed = true;
      this.take(undefined);
    });
  }

  /** Writes `question` and resolves with the next line (trimmed), or undefined once the input has ended. */
  ask(question: string): Promise<string | undefined> {
    this.output.write(question);
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued.trim());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = (line) => resolve(line?.trim());
    });
  }

  close(): void {
    this.rl.close();
  }

  private take(line: string | undefined): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(line);
  }
}
