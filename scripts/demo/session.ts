// One demo run's control flow: what it says, what it started (cleaned up newest first, whether the run ends,
// fails or is interrupted), and interruptible waits between steps. Ctrl-C (SIGINT), SIGTERM and a closed terminal
// (SIGHUP) interrupt the run at its next step; a second Ctrl-C exits at once.

type Cleanup = { what: string; run: () => Promise<unknown> };

export class Interrupted extends Error {}

export class DemoSession {
  readonly out = process.stdout;
  readonly tty = process.stdout.isTTY === true;
  /** Resolves when the run is interrupted. */
  readonly interrupted: Promise<void>;
  readonly #cleanups: Cleanup[] = [];
  readonly #interrupt = new AbortController();

  constructor() {
    this.interrupted = new Promise((resolve) => this.#interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  get aborted(): boolean {
    return this.#interrupt.signal.aborted;
  }

  say(text: string): void {
    this.out.write(`${this.tty ? '\u001b[36m›\u001b[0m' : '>'} ${text}\n`);
  }

  /** Registers what undoes a step; cleanups run newest first. */
  track(what: string, run: () => Promise<unknown>): void {
    this.#cleanups.push({ what, run });
  }

  /** Between steps: stop here when interrupted. */
  checkpoint(): void {
    if (this.aborted) throw new Interrupted('interrupted');
  }

  async waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      this.checkpoint();
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Interrupts on SIGINT, SIGTERM and SIGHUP. */
  handleSignals(): void {
    const onSignal = () => {
      if (this.aborted) {
        process.stderr.write('\ninterrupted again: exiting without waiting\n');
        process.exit(130);
      }
      process.stderr.write('\ninterrupted: stopping what the demo started (Ctrl-C again to exit at once)\n');
      this.#interrupt.abort();
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  }

  /** Runs the registered cleanups, newest first; each failure is reported and the rest still run. */
  async cleanUp(): Promise<void> {
    for (const c of this.#cleanups.splice(0).reverse()) {
      try {
        await c.run();
      } catch (err) {
        process.stderr.write(`cleanup (${c.what}) failed: ${(err as Error).message}\n`);
      }
    }
  }
}
