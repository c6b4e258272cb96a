import { ISOInterval, getDate, parseDuration, type ISODuration } from '@0dep/piso'
import { msg, type Msg } from '../lib/errors.js'
import type { ModdleObject } from './validate.js'
import { cutText } from '../lib/text.js'

/**
 * Size and time limits of a diagram: what a county administrator may deploy (checked at
 * deploy, each problem naming its element) and what one engine step may do at run time
 * (runtime.ts), so that no diagram can stop the server (issue 9: a `R/PT0S` boundary timer
 * spun at 100 % CPU, a cardinality of 10,000,000 took 1.9 GB, a 3,000-branch split took
 * 12.7 s to start). Pure: no database, no engine.
 */
export const LIMITS = {
  /**
   * Flow elements (activities, events, gateways, sequence flows, nested ones included) per
   * process. The shipped procedures have 36–68; a hand-drawn diagram of a few hundred is
   * already unreadable, and 500 still starts in milliseconds.
   */
  elements: 500,
  /** Outgoing sequence flows of one flow node (a gateway, or a task forking implicitly). */
  outgoing: 50,
  /** Iterations of one multi-instance activity (literal at deploy, evaluated at run time). */
  cardinality: 200,
  /**
   * Shortest period of a timer cycle: each firing is a step of its instance (a few ms), and
   * with the repetitions bounded too, ten seconds keeps even thousands of cycling instances
   * a small load. Camunda's own samples use 15 s reminders.
   */
  cycleMinMs: 10_000,
  /** Most repetitions of a timer cycle; `R/…` (unbounded) is refused. A weekly follow-up for a year is R52. */
  cycleMaxRepeat: 1000,
  /** Longest timer duration (and cycle period): ten years is past any deadline a case has. */
  durationMaxMs: 10 * 366 * 24 * 3600_000,
  /**
   * Timer dates lie within [2000, 2200): due times are compared as ISO text, which sorts
   * right only for four-digit years (+275760-… sorts before 2026-… and fired at once).
   */
  dateMin: Date.UTC(2000, 0, 1),
  dateMax: Date.UTC(2200, 0, 1),
  /**
   * Length of a process or element id: they are stored in columns of 255 characters
   * (PostgreSQL refuses longer text, and a deploy that passed failed at the first start).
   */
  idLength: 255,
  /**
   * Depth of the parsed document (definitions → process → sub-process → … → extension values):
   * the checks, bpmnlint and bpmn-engine walk it recursively, and 4,000 nested sub-processes
   * (830 KB) overflowed the stack. The shipped procedures reach 5 levels and the published
   * samples 6; a sub-process adds one.
   */
  depth: 48,
  /**
   * Characters of one expression (a condition, a `${…}` or `=…` attribute value), as for a DMN
   * cell (decisions/dmn.ts): feelin's parse grows faster than the text (8,000 `and`-ed terms,
   * 110 KB, took 9 s, and 20,000 ran the process out of memory), and the JUEL reader recurses.
   * The shipped procedures' longest is under 200.
   */
  expression: 2000,
} as const

/** What one engine step may do before it fails its instance (runtime.ts). */
export const STEP_LIMITS = {
  /**
   * Activities started in one step. The shipped procedures start under 30 per step; a
   * runaway loop is stopped earlier by `reentries`.
   */
  activities: 2000,
  /**
   * Times one activity may start in one step (multi-instance iterations aside). A rework
   * loop passes a user task, which waits, so a real flow enters an activity once or twice
   * per step; a flow looping back without a wait runs for ever, and bpmn-engine slows with
   * every round (its queues grow: a round costs several ms by the fifth), so it is stopped early.
   */
  reentries: 5,
  /** Tasks created in one step (a 50-way split of 50-wide multi-instance tasks is 2,500). */
  tasks: 500,
  /** Timers armed in one step. */
  timers: 200,
  /**
   * Timer firings in one instance's life. A case's deadlines, supervisions and reminders fire
   * tens of times; a timer on a loop back to itself fires for ever with nobody acting (a county's
   * `PT1S` loop wrote 82 history rows in 12 s and never stopped). Loops with a short literal
   * timer are refused at deploy (`loopTimerProblem`); this stops the rest (a timer set by an
   * expression, a longer period) in the end: at the limit the next firing becomes an incident.
   * Five times the longest cycle allowed (`cycleMaxRepeat`), so no cycle a deploy accepts reaches it.
   */
  timerFirings: 5000,
  /** Wall time of one step's engine work, handlers included. */
  ms: 10_000,
  /**
   * Longest stretch one step may hold the thread (bpmn-engine runs synchronously): /health
   * and every other request wait for it. A backstop behind the counts above, which stop the
   * known runaways within tens of ms: a normal step's stretches are a few ms, but Camunda's
   * 13-task sample, cold, on a machine at load 20 (2 cores), took 1.3 s: so it is generous.
   */
  syncMs: 3000,
  /**
   * …counted once a step has started this many activities: the first step after a restart
   * runs cold (module loading, JIT) and may take longer for its first few; a runaway is
   * past this count within milliseconds.
   */
  syncAfter: 20,
} as const

/** A `deploy.limit.*` catalogue message. */
export type LimitProblem = Msg

const DAY_MS = 24 * 3600_000
const fmt = (ms: number) => (ms % DAY_MS === 0 ? `${ms / DAY_MS} d` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`)

function dateProblem(d: Date | undefined, what: string): LimitProblem | null {
  if (!d) return null
  const t = d.getTime()
  if (Number.isNaN(t) || t < LIMITS.dateMin || t >= LIMITS.dateMax) {
    return msg('deploy.limit.dateRange', { what })
  }
  return null
}

function durationMs(d: ISODuration | undefined, from: Date): number | null {
  if (!d) return null
  const ms = d.toMilliseconds(from)
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY
}

/**
 * The limit a literal timer value (already valid ISO-8601 for its kind) breaks, or null.
 * `from` is when the timer would be armed (now, at deploy: the check is of the value's size).
 */
export function timerLimitProblem(kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string, from = new Date()): LimitProblem | null {
  if (kind === 'timeDate') return dateProblem(getDate(value), `timeDate ${value}`)
  if (kind === 'timeDuration') {
    const ms = durationMs(parseDuration(value), from)
    if (ms != null && ms > LIMITS.durationMaxMs) return msg('deploy.limit.durationLong', { value })
    return null
  }
  const parsed = new ISOInterval(value).parse()
  const repeat: number | undefined = parsed.repeat
  if (repeat === -1) {
    return msg('deploy.limit.cycleEndless', { value, max: LIMITS.cycleMaxRepeat })
  }
  if (repeat !== undefined && repeat > LIMITS.cycleMaxRepeat) {
    return msg('deploy.limit.cycleRepeat', { value, max: LIMITS.cycleMaxRepeat })
  }
  const startAt = parsed.start?.toDate()
  const endAt = parsed.end?.toDate()
  const range = dateProblem(startAt, `timeCycle ${value}`) ?? dateProblem(endAt, `timeCycle ${value}`)
  if (range) return range
  let period = durationMs(parsed.duration, startAt ?? from)
  if (period == null && startAt && endAt) period = endAt.getTime() - startAt.getTime()
  // A cycle that fires once (R1, or no R at all) has no period to bound below.
  if (period != null && (repeat === undefined || repeat > 1) && period < LIMITS.cycleMinMs) {
    return msg('deploy.limit.cyclePeriodShort', { value, min: fmt(LIMITS.cycleMinMs) })
  }
  if (period != null && period > LIMITS.durationMaxMs) return msg('deploy.limit.cyclePeriodLong', { value })
  return null
}

/**
 * A literal timer on a loop (`onLoop`: its element lies on a cycle of sequence flows, boundary
 * attachments or a looping activity) that would let the loop run on its own, or null. Each round
 * is a step of its instance nobody asked for: a duration shorter than a cycle's shortest period
 * is a cycle without a count, and a date fires at once on every round after it has passed.
 */
export function loopTimerProblem(kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string, from = new Date()): LimitProblem | null {
  if (kind === 'timeDate') return msg('deploy.limit.loopTimerDate', { value })
  if (kind !== 'timeDuration') return null
  const ms = durationMs(parseDuration(value), from)
  if (ms != null && ms < LIMITS.cycleMinMs) return msg('deploy.limit.loopTimerShort', { value, min: fmt(LIMITS.cycleMinMs) })
  return null
}

/**
 * The ids of a container's flow nodes that lie on a loop: a node from which its own sequence
 * flows (and, for an activity, its boundary events; for a link event, the catch events of its
 * name) lead back to it, and every activity with standard loop characteristics. Written here:
 * bpmnlint has no rule that finds cycles. One walk per node: the element limit (checked first)
 * keeps that at most 500 × 550 edges.
 */
export function loopNodes(container: ModdleObject): Set<string> {
  const next = new Map<string, string[]>()
  const edge = (from: unknown, to: unknown) => {
    if (typeof from !== 'string' || typeof to !== 'string') return
    const list = next.get(from)
    if (list) list.push(to)
    else next.set(from, [to])
  }
  const looping = new Set<string>()
  const linkName = (el: ModdleObject): string | undefined => {
    const name = el.eventDefinitions?.find((d) => d.$type === 'bpmn:LinkEventDefinition')?.name
    return typeof name === 'string' ? name : undefined
  }
  const linkCatches = new Map<string, string[]>()
  for (const el of container.flowElements ?? []) {
    const link = linkName(el)
    if (el.$type === 'bpmn:SequenceFlow') edge(el.sourceRef?.id, el.targetRef?.id)
    else if (el.$type === 'bpmn:BoundaryEvent') edge((el.attachedToRef as ModdleObject | undefined)?.id, el.id)
    else if (el.$type === 'bpmn:IntermediateCatchEvent' && link !== undefined && typeof el.id === 'string') {
      linkCatches.set(link, [...(linkCatches.get(link) ?? []), el.id])
    }
    if (el.loopCharacteristics?.$type === 'bpmn:StandardLoopCharacteristics' && typeof el.id === 'string') looping.add(el.id)
  }
  for (const el of container.flowElements ?? []) {
    const link = linkName(el)
    if (el.$type === 'bpmn:IntermediateThrowEvent' && link !== undefined) for (const to of linkCatches.get(link) ?? []) edge(el.id, to)
  }
  for (const start of next.keys()) {
    if (looping.has(start)) continue
    const seen = new Set<string>()
    const stack = [...next.get(start)!]
    while (stack.length) {
      const id = stack.pop()!
      if (id === start) {
        looping.add(start)
        break
      }
      if (seen.has(id)) continue
      seen.add(id)
      stack.push(...(next.get(id) ?? []))
    }
  }
  return looping
}

/** A multi-instance cardinality (literal or evaluated) beyond the limit, or null. */
export function cardinalityProblem(value: number): LimitProblem | null {
  if (Number.isFinite(value) && value <= LIMITS.cardinality) return null
  return msg('deploy.limit.cardinality', { value, max: LIMITS.cardinality })
}

/**
 * Deploy-time size limits of one executable process: element count (reported on the
 * process), outgoing flows per node and literal multi-instance cardinalities. True when the
 * process has more elements than the limit: the caller then checks nothing else of it, so what
 * a refusal costs stays bounded by the limit, not by what the file holds (up to 1 MB).
 */
export function sizeProblems(proc: ModdleObject, add: (elementId: string | undefined, m: Msg) => void): boolean {
  let count = 0
  const longId = (el: ModdleObject) => {
    if (typeof el.id === 'string' && el.id.length > LIMITS.idLength) {
      add(cutText(el.id, { codePoints: 40 }) + '…', msg('deploy.limit.idLength', { length: el.id.length, max: LIMITS.idLength }))
    }
  }
  longId(proc)
  const walk = (container: ModdleObject) => {
    // By sourceRef: moddle fills a node's `outgoing` only when the XML repeats it.
    const outgoing = new Map<string, number>()
    for (const el of container.flowElements ?? []) {
      count++
      longId(el)
      if (el.$type === 'bpmn:SequenceFlow' && el.sourceRef?.id) outgoing.set(el.sourceRef.id, (outgoing.get(el.sourceRef.id) ?? 0) + 1)
      const body = el.loopCharacteristics?.loopCardinality?.body
      // A literal, bare or wrapped (`10`, `=10`, `${10}`); other expressions are bounded at run time.
      const literal = typeof body === 'string' ? /^\s*(?:=|[$#]\{)?\s*(\d+)\s*\}?\s*$/.exec(body) : null
      if (literal) {
        const p = cardinalityProblem(Number(literal[1]))
        if (p) add(el.id, p)
      }
      if (el.flowElements) walk(el)
    }
    for (const [id, n] of outgoing) {
      if (n > LIMITS.outgoing) add(id, msg('deploy.limit.outgoing', { count: n, max: LIMITS.outgoing }))
    }
  }
  walk(proc)
  if (count <= LIMITS.elements) return false
  add(proc.id, msg('deploy.limit.elements', { count, max: LIMITS.elements }))
  return true
}

/**
 * The first element nested deeper than LIMITS.depth, or null: walked with a stack of its own
 * (moddle parses any depth without recursing), through contained elements only, never
 * references, so its cost is one visit per parsed object.
 */
export function tooDeep(root: ModdleObject): ModdleObject | null {
  const stack: [ModdleObject, number][] = [[root, 0]]
  while (stack.length) {
    const [el, depth] = stack.pop()!
    if (depth > LIMITS.depth) return el
    const children: unknown[] = []
    for (const p of el.$descriptor?.properties ?? []) {
      if (p.isReference || p.isAttr) continue
      const v = el[p.ns?.name ?? p.name] ?? el[p.name]
      if (Array.isArray(v)) children.push(...v)
      else children.push(v)
    }
    // Elements of namespaces moddle has no schema for keep their content here.
    if (Array.isArray(el.$children)) children.push(...el.$children)
    for (const c of children) if (c && typeof c === 'object' && '$type' in c) stack.push([c as ModdleObject, depth + 1])
  }
  return null
}
