import type { Answer, Item } from '../lib/api-types.js'
import { get, post, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, isKey, t, tk } from '../lib/i18n.js'
import type { Names } from '../lib/names.js'
import { personName } from '../lib/timeline.js'
import { navigate } from '../lib/router.js'
import { badge, errorBox, field, loading, toast } from '../lib/ui.js'

/**
 * The assessment disputes of one case (issue 10), kept apart from case.ts: its returns (退单) and
 * their review, exclusion requests (剔单) with the supervisor's decision, and supervision orders
 * (督办单) with the unit's reply. The server decides who may act; the buttons shown here only
 * follow the same rules so nobody is offered what will be refused.
 */

/** The exclusion reason codes the server takes (src/cases/exclusions.ts), named by the catalogue. */
const REASONS = ['duplicate', 'malicious', 'harassment', 'outside_remit', 'force_majeure']
const reasonLabel = (code: string) => {
  const key = `exclusionReason.${code}`
  return isKey(key) ? tk(key) : code
}
const STATUS: Record<string, [string, string, string]> = {
  pending: ['待审核', 'pending', 'warn'],
  accepted: ['已同意', 'accepted', ''],
  rejected: ['已驳回', 'rejected', 'bad'],
  approved: ['已批准', 'approved', 'ok'],
  refused: ['未批准', 'refused', ''],
  reversed: ['已撤销', 'reversed', ''],
  open: ['待答复', 'open', 'warn'],
  replied: ['已答复', 'replied', 'ok'],
  overdue: ['已逾期', 'overdue', 'bad'],
}
const status = (s: string) => badge(t(STATUS[s]?.[0] ?? s, STATUS[s]?.[1] ?? s), STATUS[s]?.[2] ?? '')

/** A unit by name in the chosen language; its code only when no name is known. */
const unitOf = (names: Names | undefined, code: string | null | undefined) => (code ? names?.owner(code) || code : '—')

/** What the dispatcher reads on the dispatch task after a return: who returned it and why. */
export function pendingReturnNotice(r: Item<'/api/cases/{id}/returns'> | null | undefined, names?: Names) {
  if (!r) return null
  return h(
    'div',
    { class: 'card warn', 'data-testid': 'pending-return' },
    h('b', null, t('退单待审核', 'Return awaiting review')),
    h('p', null, `${unitOf(names, r.unit)} · ${personName(r.returnedBy, r.returnedByName)} · ${fmtTime(r.returnedAt)}`),
    // The reason as the unit wrote it: whole, in its own element.
    h('p', null, t('退单理由：', 'Reason: '), h('span', { class: 'verbatim' }, r.reason ?? '—')),
    h(
      'p',
      { class: 'muted small' },
      t(
        '同意：填写新的承办单位；驳回：选择“驳回”并说明理由，案件退回原单位。',
        'Accept: name another unit. Reject: choose "reject" and give a reason; the case goes back to the unit.',
      ),
    ),
  )
}

/** The card on the case page; loads its three lists itself. */
/** The case fields the disputes card reads. */
type DisputedCase = Pick<Answer<'/api/cases/{id}'>, 'id' | 'excludedAt' | 'ownerUnit' | 'status'>

export function disputesCard(c: DisputedCase, names?: Names) {
  const body = h('div', null, loading())
  void (async () => {
    try {
      const id = encodeURIComponent(c.id)
      const [returns, exclusions, orders] = await Promise.all([
        get<Answer<'/api/cases/{id}/returns'>>(`/api/cases/${id}/returns`),
        get<Answer<'/api/cases/{id}/exclusions'>>(`/api/cases/${id}/exclusions`),
        get<Answer<'/api/supervision-orders'>>(`/api/supervision-orders?caseId=${id}`),
      ])
      clear(body, returnsBlock(returns, names), exclusionsBlock(c, exclusions), ordersBlock(c, orders, names))
    } catch (err) {
      clear(body, errorBox(err))
    }
  })()
  return h(
    'section',
    { class: 'card', 'data-testid': 'case-disputes' },
    h('h2', null, t('考核争议', 'Assessment disputes')),
    c.excludedAt ? h('p', null, badge(t('已剔除，不计入考核', 'Excluded from assessment'), 'warn')) : null,
    body,
  )
}

const reload = () => navigate(location.pathname, true)

async function act(msg: HTMLElement, fn: () => Promise<unknown>, done: string) {
  try {
    await fn()
    toast(done)
    reload()
  } catch (err) {
    clear(msg, errorBox(err))
  }
}

/** What a person wrote, labelled, whole (never cut or translated). */
const said = (label: string, text: string | null | undefined) =>
  text ? h('div', { class: 'said' }, h('span', { class: 'muted' }, `${label}${t('：', ': ')}`), h('span', { class: 'verbatim' }, text)) : null

function returnsBlock(rows: Answer<'/api/cases/{id}/returns'>, names?: Names) {
  return h(
    'div',
    null,
    h('h3', null, t('退单', 'Returns')),
    rows.length
      ? h(
          'ul',
          null,
          rows.map((r) =>
            h(
              'li',
              null,
              status(r.status),
              ` ${unitOf(names, r.unit)} · ${personName(r.returnedBy, r.returnedByName)} · ${fmtTime(r.returnedAt)}`,
              said(tk('text.reason'), r.reason),
              r.decisionReason ? said(`${personName(r.decidedBy, r.decidedByName)} ${t('审核意见', 'review')}`, r.decisionReason) : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('无', 'none')),
  )
}

function exclusionsBlock(c: DisputedCase, rows: Answer<'/api/cases/{id}/exclusions'>) {
  const me = session.user
  const msg = h('div')
  const supervisor = session.has('supervisor')
  const items = rows.map((x) => {
    const note = h('input', { maxlength: 2000, placeholder: t('意见', 'note') })
    const decide = (approve: boolean) =>
      act(msg, () => post(`/api/exclusions/${x.id}/decision`, { approve, ...(note.value.trim() && { note: note.value }) }), t('已审核', 'Decided'))
    const actions =
      supervisor && x.requestedBy !== me?.username && x.status === 'pending'
        ? [
            note,
            h('button', { type: 'button', onclick: () => decide(true) }, t('批准', 'Approve')),
            h('button', { type: 'button', onclick: () => decide(false) }, t('不批准', 'Refuse')),
          ]
        : supervisor && x.status === 'approved'
          ? [
              note,
              h(
                'button',
                { type: 'button', onclick: () => act(msg, () => post(`/api/exclusions/${x.id}/reversal`, { note: note.value }), t('已撤销', 'Reversed')) },
                t('撤销剔除', 'Reverse'),
              ),
            ]
          : []
    return h(
      'li',
      null,
      status(x.status),
      ` ${reasonLabel(x.reasonCode)} · ${personName(x.requestedBy, x.requestedByName)} · ${fmtTime(x.requestedAt)}`,
      said(tk('text.reason'), x.reason),
      x.evidence?.length
        ? h(
            'div',
            { class: 'said' },
            h('span', { class: 'muted' }, t('证据：', 'Evidence: ')),
            h(
              'ul',
              null,
              x.evidence.map((e: string) => h('li', { class: 'verbatim' }, e)),
            ),
          )
        : null,
      said(`${personName(x.decidedBy, x.decidedByName)} ${t('审核意见', 'decision')}`, x.decisionNote),
      said(`${personName(x.reversedBy, x.reversedByName)} ${t('撤销理由', 'reversal')}`, x.reversalNote),
      ...actions,
    )
  })
  const mayAsk = !c.excludedAt && !rows.some((x) => x.status === 'pending') && (me?.unitCode === c.ownerUnit || session.has('dispatcher'))
  let form: HTMLElement | null = null
  if (mayAsk) {
    const f: HTMLFormElement = h(
      'form',
      {
        onsubmit: (ev: Event) => {
          ev.preventDefault()
          const fd = new FormData(f)
          const evidence = String(fd.get('evidence') ?? '')
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean)
          void act(
            msg,
            () =>
              post(`/api/cases/${encodeURIComponent(c.id)}/exclusions`, {
                reasonCode: String(fd.get('reasonCode')),
                reason: String(fd.get('reason') ?? ''),
                ...(evidence.length && { evidence }),
              }),
            t('已提交剔单申请', 'Exclusion requested'),
          )
        },
      },
      field(
        t('剔单类型', 'Reason'),
        h(
          'select',
          { name: 'reasonCode' },
          REASONS.map((v) => h('option', { value: v }, reasonLabel(v))),
        ),
      ),
      field(t('说明', 'Explanation'), h('textarea', { name: 'reason', required: true, maxlength: 2000 }), undefined, true),
      field(t('证据（每行一项）', 'Evidence (one per line)'), h('textarea', { name: 'evidence', maxlength: 8000 })),
      h('button', { type: 'submit' }, t('申请剔单', 'Ask to exclude')),
    )
    form = f
  }
  return h('div', null, h('h3', null, t('剔单', 'Exclusions')), items.length ? h('ul', null, items) : h('p', { class: 'muted' }, t('无', 'none')), form, msg)
}

function ordersBlock(c: DisputedCase, rows: Answer<'/api/supervision-orders'>, names?: Names) {
  const me = session.user
  const msg = h('div')
  const items = rows.map((o) => {
    const mine = o.status !== 'replied' && (me?.unitCode === o.unit || session.has('admin'))
    const reply = h('input', { maxlength: 4000, placeholder: t('答复', 'reply') })
    return h(
      'li',
      null,
      status(o.status),
      ` ${personName(o.issuedBy, o.issuedByName)} → ${names?.owner(o.unit) || o.unitName || o.unit} · ${t('期限', 'due')} ${fmtTime(o.replyDueAt)}`,
      said(tk('text.message'), o.message),
      said(`${personName(o.repliedBy, o.repliedByName)} ${tk('text.reply')}`, o.reply),
      mine
        ? [
            reply,
            h(
              'button',
              { type: 'button', onclick: () => act(msg, () => post(`/api/supervision-orders/${o.id}/reply`, { reply: reply.value }), t('已答复', 'Replied')) },
              t('答复', 'Reply'),
            ),
          ]
        : null,
    )
  })
  let form: HTMLElement | null = null
  if (session.has('supervisor', 'leader') && c.status !== 'closed' && c.ownerUnit) {
    const f: HTMLFormElement = h(
      'form',
      {
        onsubmit: (ev: Event) => {
          ev.preventDefault()
          const fd = new FormData(f)
          const due = new Date(String(fd.get('replyDue')))
          void act(
            msg,
            () =>
              post(`/api/cases/${encodeURIComponent(c.id)}/supervision-orders`, {
                message: String(fd.get('message') ?? ''),
                replyDue: Number.isNaN(due.getTime()) ? String(fd.get('replyDue')) : due.toISOString(),
              }),
            t('已下发督办单', 'Order issued'),
          )
        },
      },
      field(t('督办要求', 'Order'), h('textarea', { name: 'message', required: true, maxlength: 4000 }), undefined, true),
      field(t('答复期限', 'Reply by'), h('input', { name: 'replyDue', type: 'datetime-local', required: true }), undefined, true),
      h('button', { type: 'submit' }, t('下发督办单', 'Issue order')),
    )
    form = f
  }
  return h(
    'div',
    null,
    h('h3', null, t('督办单', 'Supervision orders')),
    items.length ? h('ul', null, items) : h('p', { class: 'muted' }, t('无', 'none')),
    form,
    msg,
  )
}
