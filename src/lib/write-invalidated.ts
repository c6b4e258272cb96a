import type { Db } from './db.js'

/**
 * Short-lived read caches that this node's own writes empty at once (issue 13: the actor of a
 * token was read with every request, the case's regions with every intake).
 *
 * Every statement this process sends goes through knex's `query` event, so a watch learns of any
 * insert, update or delete of its tables here — through a service, a seed, a test's direct write
 * or a raw statement — without each writer having to remember it. Another node's writes are not
 * seen: there an entry lives at most its cache's `ttlMs`, which bounds how long a change made on
 * one node takes to reach the others (documented where each cache is used).
 *
 * A read that may have seen a row as it was before a write is not stored. A write empties the
 * caches of its table and bumps the table's generation; while the transaction that wrote is
 * open (its connection has not sent COMMIT or ROLLBACK), and for a second after it ends or after
 * a write outside a transaction (a commit in flight: on PostgreSQL another connection still
 * reads the old row until it lands), nothing read from the table is kept; and a value read while
 * the generation moved is not kept either.
 *
 * One watch per database (the db plugin's `app.tableWatch`, src/plugins/db.ts): every statement
 * passes one listener and one match, whichever module's caches it concerns (issue 13: a watch per
 * module matched each statement once per module). A module's caches name their tables; the watch
 * watches the union, and a write to a table empties only the caches that name it.
 */
export class TableWatch {
  private readonly generation = new Map<string, number>()
  /** Connections (knex's `__knexUid`) inside a transaction that wrote the table, since when. */
  private readonly openWriters = new Map<string, Map<string, number>>()
  private readonly quietUntil = new Map<string, number>()
  private readonly caches: { tables: readonly string[]; clear(): void }[] = []
  private readonly listener = (q: { sql?: string; __knexUid?: string; __knexTxId?: string }) => this.seen(q)
  /** Matches nothing until a table is watched. */
  private pattern = /(?!)/

  constructor(
    private readonly db: Db,
    tables: readonly string[] = [],
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.watch(tables)
    db.on('query', this.listener)
  }

  /** Adds `tables` to those watched (a table already watched keeps its state). */
  watch(tables: readonly string[]) {
    const added = tables.filter((t) => !this.generation.has(t))
    if (!added.length) return
    for (const t of added) if (!/^[a-z_][a-z0-9_]*$/.test(t)) throw new Error(`TableWatch: ${t} is not a table name`)
    for (const t of added) {
      this.generation.set(t, 0)
      this.openWriters.set(t, new Map())
      this.quietUntil.set(t, 0)
    }
    // The statement's table: `insert into "users"`, `update \`regions\``, `delete from users`.
    const names = [...this.generation.keys()].join('|')
    this.pattern = new RegExp(`^\\s*(?:insert\\s+into|update|delete\\s+from)\\s+[\`"]?(${names})[\`"]?(?:\\s|\\(|$)`, 'i')
  }

  /** The tables watched, in the order they were added. */
  tables(): string[] {
    return [...this.generation.keys()]
  }

  /** Stops listening (the app closes). */
  close() {
    this.db.off('query', this.listener)
  }

  /** A cache of values read from `tables` (watched from now on), emptied by any write to one of them. */
  cache<V>(tables: readonly string[], opts: { ttlMs: number; max: number }): WatchedCache<V> {
    this.watch(tables)
    const c = new WatchedCache<V>(this, tables, opts.ttlMs, opts.max, this.clock)
    this.caches.push(c)
    return c
  }

  /** Compared before and after a read: equal, and not null, when the read may be kept. */
  stamp(tables: readonly string[]): string | null {
    const now = this.clock()
    let s = ''
    for (const t of tables) {
      const open = this.openWriters.get(t)!
      // A connection that never sent its COMMIT or ROLLBACK (it broke) stops counting after a minute.
      for (const [uid, since] of open) if (now - since > 60_000) open.delete(uid)
      if (open.size || now < this.quietUntil.get(t)!) return null
      s += `${this.generation.get(t)},`
    }
    return s
  }

  private bump(table: string, now: number) {
    this.generation.set(table, this.generation.get(table)! + 1)
    this.quietUntil.set(table, now + QUIET_MS)
    for (const c of this.caches) if (c.tables.includes(table)) c.clear()
  }

  private seen(q: { sql?: string; __knexUid?: string; __knexTxId?: string }) {
    const sql = String(q.sql ?? '')
    const m = this.pattern.exec(sql)
    if (m) {
      const now = this.clock()
      const table = m[1].toLowerCase()
      if (q.__knexTxId && q.__knexUid) this.openWriters.get(table)!.set(q.__knexUid, now)
      this.bump(table, now)
      return
    }
    // The connection's transaction ends (not a savepoint's: the outer one goes on).
    if (q.__knexUid && /^\s*(commit|rollback)\b/i.test(sql) && !/savepoint/i.test(sql)) {
      const now = this.clock()
      for (const [table, open] of this.openWriters) if (open.delete(q.__knexUid)) this.bump(table, now)
    }
  }
}

/** How long after a write ends nothing read from its table is kept (its commit may be in flight). */
const QUIET_MS = 1000

/** Values by key, each for at most `ttlMs`, at most `max` of them (the oldest go first). */
export class WatchedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>()

  constructor(
    private readonly watch: TableWatch,
    readonly tables: readonly string[],
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly clock: () => number,
  ) {}

  clear() {
    this.entries.clear()
  }

  /**
   * The cached value of `key`, or `read()`'s, kept when no write to the tables overlapped it and
   * `keep` accepts it (a caller may leave an absence unkept, to see another node's first write at once).
   */
  async get(key: string, read: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    const now = this.clock()
    const hit = this.entries.get(key)
    if (hit && hit.until > now) return hit.value
    const before = this.watch.stamp(this.tables)
    const value = await read()
    if (this.ttlMs > 0 && before !== null && before === this.watch.stamp(this.tables) && keep(value)) {
      this.entries.delete(key)
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(key, { value, until: now + this.ttlMs })
    }
    return value
  }
}
