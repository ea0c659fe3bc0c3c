type Timer = ReturnType<typeof setTimeout>;

/**
 * Reference-counted ownership of a resource that is costly to open: the first
 * `acquire()` starts it, the last release stops it after `gracePeriod` ms (0: at
 * once), and an acquire during the grace period keeps it running.
 */
export class Lease {
  private count = 0;
  private generation = 0;
  private running = false;
  private graceTimer: Timer | undefined;

  constructor(
    private readonly start: () => void,
    private readonly stop: () => void,
    private readonly gracePeriod: number,
  ) {}

  /** How many holders there are now. */
  get holders(): number {
    return this.count;
  }

  /** Takes a hold; returns its release (idempotent). */
  acquire(): () => void {
    this.count++;
    if (this.graceTimer !== undefined) {
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    if (!this.running) {
      this.running = true;
      this.start();
    }
    let released = false;
    const generation = this.generation;
    return () => {
      if (released || generation !== this.generation) return;
      released = true;
      this.count--;
      if (this.count === 0 && this.running) this.scheduleStop();
    };
  }

  private scheduleStop(): void {
    const stop = () => {
      this.graceTimer = undefined;
      this.running = false;
      this.stop();
    };
    if (this.gracePeriod <= 0) stop();
    else this.graceTimer = setTimeout(stop, this.gracePeriod);
  }

  /** True while the resource runs: held, or within the grace period after the last release. */
  get active(): boolean {
    return this.running;
  }

  /** Stops at once and forgets every holder (their releases become no-ops); later acquires start it again. */
  dispose(): void {
    this.generation++;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.running) {
      this.running = false;
      this.stop();
    }
    this.count = 0;
  }
}
