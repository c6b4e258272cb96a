/**
 * The loop behind the background pollers (timers, the citizen's notices): runs `poll` at once,
 * then again `intervalMs` after each run ends, so two runs of one poller never overlap on a node.
 * `stop()` stops scheduling and waits for the run in hand; a long run checks `stopping` between
 * items to hand the rest of its batch back early (their leases then run out or are released).
 */
export class PollLoop {
  private handle: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  private stopped = true

  constructor(
    private readonly poll: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** True after `stop()` on a loop that was started: a run in hand should finish early. */
  get stopping() {
    return this.stopped && this.handle !== null
  }

  start() {
    this.stopped = false
    const tick = async () => {
      if (this.stopped) return
      this.running = this.poll().catch(this.onError)
      await this.running
      this.running = null
      if (!this.stopped) this.handle = setTimeout(tick, this.intervalMs)
    }
    this.handle = setTimeout(tick, 0)
  }

  async stop() {
    this.stopped = true
    if (this.handle) clearTimeout(this.handle)
    await this.running
  }
}
