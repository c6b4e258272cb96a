/**
 * A task page's context card: what this step decides on (an extension's days and reason, a
 * return's reason, the plan, the co-organisers' opinions) first and prominent, then the earlier
 * steps and what they submitted.
 * User-entered text is shown verbatim, never split or translated.
 */
import { h } from './dom.js'
import { fmtTime, named, serverText, t } from './i18n.js'
import { eventSentence, personName, verbatim } from './timeline.js'
import { userText } from './ui.js'

export interface TaskContext {
  decidesOn: {
    kind: string
    days?: number | null
    reason?: string | null
    unit?: string | null
    unitName?: StepUnit | null
    by?: string | null
    byName?: string | null
    at?: string
    /** A submission decided on (the plan, a co-organiser's opinion): its answers by its form's labels. */
    fields?: StepField[]
  }[]
  steps: {
    taskId: string
    name: string | null
    elementId: string
    completedBy: string | null
    completedByName?: string | null
    endedAt: string | null
    data: Record<string, unknown> | null
    /** What the step submitted by its form's labels (empty answers left out). */
    fields?: StepField[]
  }[]
  events: { type: string; actor: string | null; actorName?: string | null; at: string; message: string | null; data: unknown }[]
}

interface StepUnit {
  code: string
  name: string
  nameEn: string | null
}
/** One answer of an earlier step (the server's `stepFields`): label and options "中文 / English". */
export interface StepField {
  key: string
  label: string
  value: unknown
  options?: string[]
  units?: StepUnit[]
}

const list = (xs: string[]) => xs.join(t('、', ', '))

/** An answer as a reader says it: options by label, units by name, yes/no, else the text as written. */
function answer(f: StepField) {
  if (f.units) return h('dd', null, list(f.units.map((u) => named(u))))
  if (f.options) return h('dd', null, list(f.options.map((o) => serverText(o))))
  if (typeof f.value === 'boolean') return h('dd', null, f.value ? t('是', 'Yes') : t('否', 'No'))
  if (Array.isArray(f.value)) return userText(list(f.value.map(String)), 'dd')
  if (typeof f.value === 'object') return userText(JSON.stringify(f.value), 'dd')
  return userText(String(f.value), 'dd')
}

/** A step's answers, each under its form's label. */
export function answers(fields: StepField[]) {
  return h(
    'dl',
    { class: 'step-data' },
    fields.flatMap((f) => [h('dt', null, serverText(f.label)), answer(f)]),
  )
}

export function contextCard(ctx: TaskContext) {
  const decides = ctx.decidesOn.map((d) => {
    if (d.kind === 'extension') {
      return h(
        'div',
        { class: 'decides', 'data-testid': 'decides-extension' },
        h('h3', null, t('延期申请', 'Extension request')),
        h('p', null, h('strong', { 'data-testid': 'extension-days' }, t(`申请延期 ${d.days ?? '—'} 天`, `${d.days ?? '—'} more days asked`))),
        h('p', null, t('理由：', 'Reason: '), userText(d.reason ?? '—', 'span', { 'data-testid': 'extension-reason' })),
        h('p', { class: 'muted small' }, `${personName(d.by, d.byName)} · ${fmtTime(d.at)}`),
      )
    }
    if (d.kind === 'return') {
      return h(
        'div',
        { class: 'decides', 'data-testid': 'decides-return' },
        h('h3', null, t('退单', 'Returned')),
        h('p', null, t('退单理由：', 'Reason: '), userText(d.reason ?? '—', 'span', { 'data-testid': 'return-reason' })),
        h('p', { class: 'muted small' }, [d.unitName ? named(d.unitName) : '', personName(d.by, d.byName), fmtTime(d.at)].filter(Boolean).join(' · ')),
      )
    }
    const who = h('p', { class: 'muted small' }, [personName(d.by, d.byName), fmtTime(d.at)].filter(Boolean).join(' · '))
    if (d.kind === 'plan')
      return h('div', { class: 'decides', 'data-testid': 'decides-plan' }, h('h3', null, t('方案', 'The plan')), answers(d.fields ?? []), who)
    if (d.kind === 'opinion') {
      const unit = d.unitName ? named(d.unitName) : (d.unit ?? '—')
      return h(
        'div',
        { class: 'decides', 'data-testid': 'decides-opinion' },
        h('h3', null, t(`协办意见 · ${unit}`, `Opinion · ${unit}`)),
        answers(d.fields ?? []),
        who,
      )
    }
    return h('div', { class: 'decides' }, h('h3', null, d.kind), h('span', { class: 'user-text' }, d.reason ?? ''))
  })
  const steps = ctx.steps.length
    ? h(
        'details',
        { class: 'steps' },
        h('summary', null, t(`此前步骤（${ctx.steps.length}）`, `Earlier steps (${ctx.steps.length})`)),
        h(
          'ol',
          { class: 'step-list' },
          ctx.steps.map((s) =>
            h(
              'li',
              null,
              h('strong', null, serverText(s.name) || s.elementId),
              h('span', { class: 'muted small' }, ` ${personName(s.completedBy, s.completedByName)} · ${fmtTime(s.endedAt)}`),
              s.fields?.length ? answers(s.fields) : null,
            ),
          ),
        ),
      )
    : null
  const events = ctx.events.length
    ? h(
        'details',
        { class: 'steps' },
        h('summary', null, t('最近动态', 'Recent events')),
        // A case event reads as its catalogue sentence, what a person wrote whole beneath it.
        h(
          'ul',
          { class: 'step-list' },
          ctx.events
            .slice(0, 10)
            .map((e) =>
              h(
                'li',
                null,
                h('span', { class: 'muted small' }, `${fmtTime(e.at)} `),
                eventSentence({ ...e, message: e.message ?? undefined }),
                verbatim(e.type, e.data),
              ),
            ),
        ),
      )
    : null
  return h(
    'section',
    { class: 'card task-context', 'data-testid': 'task-context' },
    h('h2', null, t('办理依据', 'What this step decides on')),
    decides.length ? decides : h('p', { class: 'muted' }, t('无待决事项', 'Nothing submitted for this step')),
    steps,
    events,
  )
}
