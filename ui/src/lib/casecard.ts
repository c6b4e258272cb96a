import { h } from './dom.js'
import type { Names } from './names.js'
import { CHANNEL, fmtDue, fmtTime, LEVEL, named, paren, PROCEDURE, serverText, STATUS, t, tr } from './i18n.js'
import { userText } from './ui.js'

const URGENCY: Record<string, [string, string]> = { normal: ['一般', 'Normal'], urgent: ['紧急', 'Urgent'], emergency: ['特急', 'Emergency'] }

/** A region or category as an answer may give it: its code, or the object with its names. */
type Ref = string | { code?: string; name?: string | null; nameEn?: string | null } | null | undefined

const nameOf = (v: Ref) => (v && typeof v === 'object' ? named(v) || v.code : v)

/**
 * What caseFacts reads of a case: the case page's answer, or a task's case summary (codes
 * without names, which `names` supplies). Every field may be missing from one or the other.
 */
export interface CaseFactsInput {
  caseNo?: string
  title?: string | null
  description?: string | null
  category?: Ref
  categoryName?: string | null
  region?: Ref
  regionCode?: string | null
  regionName?: string | null
  regionNameEn?: string | null
  ownerUnit?: string | null
  ownerUnitName?: string | null
  ownerUnitNameEn?: string | null
  address?: string | null
  channel?: string | null
  urgency?: string | null
  procedure?: string | null
  status?: string | null
  level?: string | null
  petitioner?: { anonymous?: boolean | null; name?: string | null; phone?: string | null } | null
  responseDueAt?: string | null
  respondedAt?: string | null
  resolveDueAt?: string | null
  closedAt?: string | null
  createdAt?: string | null
}

/**
 * The petitioner's name and phone, each isolated (`<bdi>`): a direction control in a name a
 * case kept from before intake refused them (a right-to-left override) would otherwise run on
 * into the phone number and show it reversed to the staff who call back.
 */
function petitionerLine(name: string | null | undefined, phone: string | null | undefined): Node | null {
  const parts = [name, phone].filter((x): x is string => !!x)
  if (!parts.length) return null
  return h(
    'dd',
    { 'data-testid': 'petitioner' },
    parts.flatMap((x, i) => (i ? [' · ', h('bdi', null, x)] : [h('bdi', null, x)])),
  )
}

/** The key facts of a case, for the task page and the case page. */
/** `names` turns the codes of an answer that carries no names (a task's case) into names. */
export function caseFacts(c: CaseFactsInput, opts: { full?: boolean; names?: Names } = {}) {
  const n = opts.names
  const code = (v: unknown) => (typeof v === 'string' ? v : null)
  const p = c.petitioner ?? {}
  const rows: [string, unknown][] = [
    [t('案件编号', 'Case no.'), c.caseNo],
    [t('标题', 'Title'), c.title],
    // What the citizen wrote, whole; a long one shows its first lines until opened.
    [t('问题描述', 'Description'), c.description ? userText(c.description, 'dd') : null],
    [t('类别', 'Category'), c.categoryName ? serverText(c.categoryName) : n?.category(code(c.category)) || nameOf(c.category)],
    [
      t('地区', 'Region'),
      c.regionName ? named({ name: c.regionName, nameEn: c.regionNameEn }) : n?.region(code(c.region ?? c.regionCode)) || nameOf(c.region ?? c.regionCode),
    ],
    [t('承办单位', 'Owner'), c.ownerUnitName ? named({ name: c.ownerUnitName, nameEn: c.ownerUnitNameEn }) : n?.owner(code(c.ownerUnit)) || c.ownerUnit],
    [t('地址', 'Address'), c.address],
    [t('来源渠道', 'Channel'), c.channel ? tr(CHANNEL, c.channel) : null],
    [t('紧急程度', 'Urgency'), c.urgency ? tr(URGENCY, c.urgency) : null],
    [t('办理方式', 'Procedure'), c.procedure ? tr(PROCEDURE, c.procedure) : null],
    [t('状态', 'Status'), c.status ? tr(STATUS, c.status) : null],
    [t('办理层级', 'Level'), c.level ? tr(LEVEL, c.level) : null],
    [t('诉求人', 'Petitioner'), p.anonymous ? t('匿名', 'Anonymous') : petitionerLine(p.name, p.phone)],
    [
      t('响应时限', 'Respond by'),
      c.responseDueAt ? `${fmtTime(c.responseDueAt)}${paren(c.respondedAt ? t('已响应', 'responded') : fmtDue(c.responseDueAt))}` : null,
    ],
    [t('办结时限', 'Resolve by'), c.resolveDueAt ? `${fmtTime(c.resolveDueAt)}${paren(c.closedAt ? t('已办结', 'closed') : fmtDue(c.resolveDueAt))}` : null],
    [t('受理时间', 'Received'), c.createdAt ? fmtTime(c.createdAt) : null],
    [t('办结时间', 'Closed'), c.closedAt ? fmtTime(c.closedAt) : null],
  ]
  if (opts.full === false) rows.splice(6)
  return h(
    'dl',
    { class: 'kv', 'data-testid': 'case-facts' },
    rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', null, k), v instanceof Node ? v : h('dd', null, String(v))]),
  )
}
