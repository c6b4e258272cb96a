/**
 * The definitions behind the figures (domain.md, "The three rates"). No official formula
 * exists, so every choice here is configuration: the defaults below, overridden by the JSON
 * object stored in `settings` under the key `metrics.definitions` (merged key by key).
 */
export type MetricDefinitions = {
  /** Statuses that count as closed (办结). */
  closedStatuses: string[]
  /** `eval_satisfaction` values that count towards the satisfaction rate. */
  satisfiedValues: string[]
  /** `resolved_level` values that count as "resolved at township level or below". */
  townshipOrBelowLevels: string[]
  /**
   * A case with no response deadline (`response_due_at` null) counts as responded in time once
   * `responded_at` is set.
   */
  noDeadlineIsOnTime: boolean
  /**
   * Which time the on-time rate judges: `finished`, when the handling unit reported its result
   * (`resolved_at`; for a case closed without a result, e.g. a duplicate, its closure), or
   * `closed`, when the case closed (after the citizen's evaluation, which the unit does not control).
   */
  onTimeBy: 'finished' | 'closed'
  /**
   * A closed case with no resolution deadline: `apart` (counted in `closedNoDeadline`, neither
   * on time nor late, left out of the on-time denominator) or `onTime` (counted as on time).
   */
  closedWithoutDeadline: 'apart' | 'onTime'
  /** Offset of the reporting time zone from UTC, minutes (China Standard Time: 480). Used for from/to dates. */
  utcOffsetMinutes: number
  /** Weights of the combined score that ranks townships and departments on the dashboard. */
  scoreWeights: { responseRate: number; closureRate: number; onTimeRate: number; satisfactionRate: number }
}

export const DEFAULT_DEFINITIONS: MetricDefinitions = {
  closedStatuses: ['closed'],
  satisfiedValues: ['satisfied', 'basically_satisfied'],
  townshipOrBelowLevels: ['grid', 'village', 'township'],
  noDeadlineIsOnTime: true,
  onTimeBy: 'finished',
  closedWithoutDeadline: 'apart',
  utcOffsetMinutes: 480,
  scoreWeights: { responseRate: 0.25, closureRate: 0.25, onTimeRate: 0.2, satisfactionRate: 0.3 },
}

export const SETTINGS_KEY = 'metrics.definitions'

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')

/** Defaults overridden by whatever valid keys `stored` carries; invalid values are ignored. */
export function mergeDefinitions(stored: unknown): MetricDefinitions {
  const d: MetricDefinitions = structuredClone(DEFAULT_DEFINITIONS)
  if (!stored || typeof stored !== 'object') return d
  const s = stored as Record<string, unknown>
  if (isStringList(s.closedStatuses) && s.closedStatuses.length) d.closedStatuses = s.closedStatuses
  if (isStringList(s.satisfiedValues)) d.satisfiedValues = s.satisfiedValues
  if (isStringList(s.townshipOrBelowLevels)) d.townshipOrBelowLevels = s.townshipOrBelowLevels
  if (typeof s.noDeadlineIsOnTime === 'boolean') d.noDeadlineIsOnTime = s.noDeadlineIsOnTime
  if (s.onTimeBy === 'finished' || s.onTimeBy === 'closed') d.onTimeBy = s.onTimeBy
  if (s.closedWithoutDeadline === 'apart' || s.closedWithoutDeadline === 'onTime') d.closedWithoutDeadline = s.closedWithoutDeadline
  if (typeof s.utcOffsetMinutes === 'number' && Number.isInteger(s.utcOffsetMinutes) && Math.abs(s.utcOffsetMinutes) <= 14 * 60) {
    d.utcOffsetMinutes = s.utcOffsetMinutes
  }
  if (s.scoreWeights && typeof s.scoreWeights === 'object') {
    for (const k of Object.keys(d.scoreWeights) as (keyof MetricDefinitions['scoreWeights'])[]) {
      const w = (s.scoreWeights as Record<string, unknown>)[k]
      if (typeof w === 'number' && w >= 0) d.scoreWeights[k] = w
    }
  }
  return d
}
