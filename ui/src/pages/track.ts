import { ApiError, get, post } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, named, serverText, t, tr, STATUS } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { timeline, type TimelineItem } from '../lib/timeline.js'
import { errorBox, field, loadCss, loading, toast } from '../lib/ui.js'
import { gallery, photoPicker, uploadButton, uploadFiles, type Attachment } from '../lib/attachments.js'

interface Tracked {
  caseNo: string
  status: string
  title?: string | null
  category?: string | { code: string; name: string; nameEn?: string } | null
  categoryName?: string | null
  categoryNames?: { name: string; nameEn?: string | null } | null
  region?: string | { name: string; nameEn?: string } | null
  createdAt?: string
  closedAt?: string | null
  resolveDueAt?: string | null
  result?: string | null
  timeline?: TimelineItem[]
  events?: TimelineItem[]
  evaluation?: { resolved: boolean; satisfaction: string; comment?: string | null; at?: string } | null
  canEvaluate?: boolean
  awaitingEvaluation?: boolean
  statusName?: string
}

const SATISFACTION: Record<string, [string, string]> = {
  satisfied: ['满意', 'Satisfied'],
  basically_satisfied: ['基本满意', 'Basically satisfied'],
  dissatisfied: ['不满意', 'Dissatisfied'],
}

const CODE_KEY = (caseNo: string) => `shuoshi.track.${caseNo.toUpperCase()}`

/**
 * The tracking code is a password for the case: it travels in the X-Tracking-Code header and
 * is kept in this tab's sessionStorage, never in a URL (where history, server logs, referrers
 * and shared links would keep it). Storage can be refused (private mode): then the page asks.
 */
export function rememberTrackingCode(caseNo: string, code: string) {
  try {
    sessionStorage.setItem(CODE_KEY(caseNo), code)
  } catch {
    /* storage refused: the form asks for the code */
  }
}

function storedTrackingCode(caseNo: string): string {
  try {
    return sessionStorage.getItem(CODE_KEY(caseNo)) ?? ''
  } catch {
    return ''
  }
}

function forgetTrackingCode(caseNo: string) {
  try {
    sessionStorage.removeItem(CODE_KEY(caseNo))
  } catch {
    /* nothing stored */
  }
}

/** /track and /track/:caseNo: progress like a parcel, then the evaluation once a result is in. */
export async function trackPage(ctx: Ctx) {
  document.title = `${t('进度查询', 'Track')} · ${t('说事', 'Shuoshi')}`
  const caseNo = ctx.params.caseNo ?? ''
  // Links from before the header (…?code=X, bookmarks, SMS) still work once: the code moves
  // to storage and out of the address bar and history entry.
  const legacy = ctx.query.get('code')
  if (legacy !== null) {
    if (caseNo && legacy) rememberTrackingCode(caseNo, legacy.trim())
    history.replaceState(null, '', location.pathname)
  }
  const code = caseNo ? storedTrackingCode(caseNo) : ''
  const caseInput = h('input', { name: 'caseNo', value: caseNo, required: true, autocapitalize: 'characters', 'data-testid': 'track-case-no' })
  const codeInput = h('input', { name: 'code', value: code, required: true, autocapitalize: 'characters', autocomplete: 'off', 'data-testid': 'track-code' })
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const no = caseInput.value.trim()
        rememberTrackingCode(no, codeInput.value.trim())
        navigate(`/track/${encodeURIComponent(no)}`, no === caseNo)
      },
    },
    h('div', { class: 'row2' }, field(t('案件编号', 'Case number'), caseInput), field(t('查询码', 'Tracking code'), codeInput)),
    h('button', { type: 'submit', class: 'primary block' }, t('查询', 'Track')),
  )
  const out = h('div')
  ctx.view.append(
    h('div', { class: 'hero' }, h('h1', null, t('办理进度查询', 'Track your case')), h('p', null, t('像查快递一样查进度', 'Follow it like a parcel'))),
    caseNo && code ? '' : form,
    out,
  )
  if (!caseNo || !code) return
  out.append(loading())
  try {
    const c = await get<Tracked>(`/api/public/track/${encodeURIComponent(caseNo)}`, { 'x-tracking-code': code })
    if (!ctx.alive()) return
    const events = c.timeline ?? c.events ?? []
    const category =
      typeof c.category === 'object' && c.category
        ? named(c.category)
        : c.categoryNames
          ? named(c.categoryNames)
          : serverText(c.categoryName ?? c.category ?? '')
    const region = typeof c.region === 'object' && c.region ? named(c.region) : (c.region ?? '')
    clear(
      out,
      h(
        'section',
        { class: 'card', 'data-testid': 'track-result' },
        h('div', { class: 'muted' }, t('案件编号', 'Case number'), ' ', h('b', null, c.caseNo)),
        h('div', { class: 'status-big', 'data-testid': 'track-status', 'data-status': c.status }, tr(STATUS, c.status)),
        c.title ? h('p', null, c.title) : null,
        h(
          'dl',
          { class: 'kv' },
          category ? [h('dt', null, t('类别', 'Category')), h('dd', null, String(category))] : null,
          region ? [h('dt', null, t('地区', 'Region')), h('dd', null, String(region))] : null,
          c.createdAt ? [h('dt', null, t('提交时间', 'Submitted')), h('dd', null, fmtTime(c.createdAt))] : null,
          c.resolveDueAt && !c.closedAt ? [h('dt', null, t('承诺办结', 'Due by')), h('dd', null, fmtTime(c.resolveDueAt))] : null,
          c.closedAt ? [h('dt', null, t('办结时间', 'Closed')), h('dd', null, fmtTime(c.closedAt))] : null,
          c.result ? [h('dt', null, t('办理结果', 'Result')), h('dd', { class: 'verbatim', 'data-testid': 'track-result-text' }, c.result)] : null,
        ),
      ),
      photosCard(c.caseNo, code, c.status !== 'closed'),
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('办理进度', 'Progress')),
        events.length ? timeline(events, { showActor: false }) : h('p', { class: 'muted' }, t('暂无记录', 'Nothing yet')),
      ),
      c.evaluation
        ? h(
            'section',
            { class: 'card', 'data-testid': 'evaluation-done' },
            h('h2', null, t('您的评价', 'Your evaluation')),
            h(
              'p',
              null,
              c.evaluation.resolved ? t('问题已解决', 'Resolved') : t('问题未解决', 'Not resolved'),
              ' · ',
              tr(SATISFACTION, c.evaluation.satisfaction),
            ),
            c.evaluation.comment ? h('p', { class: 'muted' }, c.evaluation.comment) : null,
          )
        : (c.awaitingEvaluation ?? c.canEvaluate ?? c.status === 'awaiting_evaluation')
          ? evaluationForm(c.caseNo, code)
          : null,
    )
  } catch (err) {
    // A wrong code is not kept for the next visit.
    if (err instanceof ApiError && err.status === 404) forgetTrackingCode(caseNo)
    clear(out, errorBox(err), form)
  }
}

/** The citizen's own photos and those the handler published; more may be added until the case is closed. */
function photosCard(caseNo: string, code: string, open: boolean) {
  const base = `/api/public/track/${encodeURIComponent(caseNo)}/attachments`
  const headers = { 'x-tracking-code': code }
  const box = h('div', null, loading())
  const msg = h('div')
  const load = async () => {
    try {
      const { items } = await get<{ items: Attachment[] }>(base, headers)
      clear(box, gallery(items, { fileUrl: (id) => `${base}/${encodeURIComponent(id)}`, headers, testid: 'track-photos' }))
    } catch (err) {
      clear(box, errorBox(err))
    }
  }
  void load()
  const picker = photoPicker({ testid: 'more-photos' })
  const send = uploadButton(t('上传照片', 'Upload photos'), { 'data-testid': 'more-photos-upload' }, msg, {
    files: () => picker.files(),
    upload: (files) => uploadFiles(base, files, {}, headers),
    reset: () => picker.clear(),
    reload: load,
  })
  return h(
    'section',
    { class: 'card' },
    h('h2', null, t('照片', 'Photos')),
    box,
    open ? h('details', null, h('summary', null, t('补充照片', 'Add photos')), picker.el, send, msg) : null,
  )
}

/**
 * The citizen's evaluation, rendered by form-js like every task form: both questions are
 * required and an empty submit marks them (a native `required` radio blocked the submit with
 * no message a phone showed). The public route takes exactly these three answers.
 */
const EVALUATION_FORM = {
  id: 'shuoshi-public-evaluation',
  type: 'default',
  components: [
    {
      key: 'resolved',
      type: 'radio',
      label: '问题解决了吗？ / Was it resolved?',
      values: [
        { label: '已解决 / Yes', value: 'yes' },
        { label: '未解决 / No', value: 'no' },
      ],
      validate: { required: true },
    },
    {
      key: 'satisfaction',
      type: 'radio',
      label: '满意程度 / Satisfaction',
      values: Object.entries(SATISFACTION).map(([value, [zh, en]]) => ({ label: `${zh} / ${en}`, value })),
      validate: { required: true },
    },
    { key: 'comment', type: 'textarea', label: '意见建议（可不填） / Comment (optional)', validate: { maxLength: 1000 } },
  ],
}

function evaluationForm(caseNo: string, code: string) {
  const msg = h('div')
  const box = h('div', { class: 'task-form' })
  const btn = h('button', { type: 'submit', class: 'primary block', 'data-testid': 'evaluate' }, t('提交评价', 'Submit evaluation'))
  const ready = loadCss('/form.css')
    .then(() => import('../form-viewer.js'))
    .then(({ createTaskForm }) => createTaskForm(box, EVALUATION_FORM))
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      'data-testid': 'evaluation-form',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        clear(msg)
        const fjs = await ready
        const data = fjs.submit()
        if (!data)
          return void msg.append(
            h('div', { class: 'alert error', role: 'alert' }, t('请选择是否解决和满意程度', 'Say whether it was resolved and how satisfied you are')),
          )
        btn.disabled = true
        try {
          const comment = String(data.comment ?? '').trim()
          await post(`/api/public/track/${encodeURIComponent(caseNo)}/evaluation`, {
            code,
            resolved: data.resolved === 'yes',
            satisfaction: String(data.satisfaction),
            ...(comment && { comment }),
          })
          toast(t('感谢您的评价', 'Thank you for your evaluation'))
          navigate(location.pathname + location.search, true)
        } catch (err) {
          if (!(err instanceof ApiError && fjs.showServerErrors(err.details ?? []))) msg.append(errorBox(err))
          btn.disabled = false
        }
      },
    },
    h('h2', null, t('请评价办理结果', 'Rate the result')),
    box,
    msg,
    btn,
  )
  ready.catch((err) => msg.append(errorBox(err)))
  return form
}
