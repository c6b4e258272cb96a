import { idempotencyKey, post } from '../lib/api.js'
import { categoryPicker, regionCascade } from '../lib/cascade.js'
import { clear, h } from '../lib/dom.js'
import { t } from '../lib/i18n.js'
import type { Ctx } from '../lib/router.js'
import { errorBox, field, toast } from '../lib/ui.js'
import { rememberTrackingCode } from './track.js'
import { photoPicker, uploadFiles } from '../lib/attachments.js'

/** Citizens (no login): say what the matter is, where, and how to reach them (or stay anonymous). */
export async function submitPage(ctx: Ctx) {
  document.title = `${t('我要说事', 'Submit a petition')} · ${t('说事', 'Shuoshi')}`
  const [cats] = await Promise.all([categoryPicker('category')])
  const region = regionCascade({ testid: 'region' })
  const msg = h('div')
  const anon = h('input', { type: 'checkbox', name: 'anonymous', 'data-testid': 'anonymous' })
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: 50 })
  const phone = h('input', {
    name: 'phone',
    type: 'tel',
    autocomplete: 'tel',
    inputmode: 'tel',
    pattern: '[0-9+\\- ]{5,20}',
    maxlength: 20,
    placeholder: t('便于工作人员联系您', 'so staff can reach you'),
  })
  const contact = h('div', { class: 'row2' }, field(t('姓名', 'Name'), name), field(t('手机号', 'Phone'), phone))
  anon.onchange = () => (contact.hidden = anon.checked)
  const description = h('textarea', {
    name: 'description',
    required: true,
    minlength: 5,
    maxlength: 4000,
    'data-testid': 'description',
    placeholder: t('请说明发生了什么、持续多久、希望怎样解决', 'What happened, for how long, and what you would like done'),
  })
  const photos = photoPicker({ testid: 'photos' })
  const submit = h('button', { type: 'submit', class: 'primary block', 'data-testid': 'submit' }, t('提交', 'Submit'))
  // One Idempotency-Key per distinct body: a retry after a lost answer (the phone went into a
  // tunnel) gets the first case back instead of filing it twice; an edited form is a new request.
  let attempt: { body: string; key: string } | null = null
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault()
        clear(msg)
        const problems: string[] = []
        if (!cats.value()) problems.push(t('请选择类别', 'Choose a category'))
        if (!region.value()) problems.push(t('请选择所在地区', 'Choose where it is'))
        if (description.value.trim().length < 5) problems.push(t('请描述问题（至少 5 个字）', 'Describe the matter (at least 5 characters)'))
        if (!anon.checked && phone.value && !phone.checkValidity()) problems.push(t('手机号格式不正确', 'The phone number looks wrong'))
        if (problems.length) return void msg.append(h('div', { class: 'alert error', role: 'alert' }, problems.join('\n')))
        submit.disabled = true
        try {
          const body: Record<string, unknown> = {
            description: description.value.trim(),
            category: cats.value(),
            regionCode: region.value(),
            petitioner: anon.checked
              ? { type: 'person', anonymous: true }
              : {
                  type: 'person',
                  anonymous: false,
                  ...(name.value.trim() && { name: name.value.trim() }),
                  ...(phone.value.trim() && { phone: phone.value.trim() }),
                },
          }
          const title = (form.elements.namedItem('title') as HTMLInputElement).value.trim()
          const address = (form.elements.namedItem('address') as HTMLInputElement).value.trim()
          if (title) body.title = title
          if (address) body.address = address
          const json = JSON.stringify(body)
          if (attempt?.body !== json) attempt = { body: json, key: idempotencyKey() }
          const res = await post<{ caseNo: string; trackingCode: string }>('/api/public/petitions', body, { 'idempotency-key': attempt.key })
          // The petition stands once filed; the photos follow with its tracking code. A refused
          // photo is said on the receipt, where the citizen can add it again from tracking.
          let photoError: unknown = null
          const files = photos.files()
          if (files.length) {
            try {
              await uploadFiles(`/api/public/track/${encodeURIComponent(res.caseNo)}/attachments`, files, {}, { 'x-tracking-code': res.trackingCode })
            } catch (err) {
              photoError = err
            }
          }
          clear(ctx.view, receipt(res.caseNo, res.trackingCode, files.length, photoError))
          window.scrollTo(0, 0)
        } catch (err) {
          msg.append(errorBox(err))
        } finally {
          submit.disabled = false
        }
      },
    },
    field(t('反映什么问题', 'What is it about'), cats.el, undefined, true),
    field(t('发生在哪里', 'Where'), region.el, undefined, true),
    field(t('详细地址', 'Address'), h('input', { name: 'address', maxlength: 200, placeholder: t('如：某小区 3 号楼东侧', 'e.g. east of building 3') })),
    field(t('标题', 'Title'), h('input', { name: 'title', maxlength: 100, placeholder: t('一句话概括（可不填）', 'One line (optional)') })),
    field(t('问题描述', 'Description'), description, undefined, true),
    field(t('照片（可选，最多 6 张）', 'Photos (optional, up to 6)'), photos.el),
    h('label', { class: 'check' }, anon, t('匿名反映（不留姓名和电话）', 'Stay anonymous (no name or phone)')),
    contact,
    msg,
    submit,
  )
  ctx.view.append(
    h(
      'div',
      { class: 'hero' },
      h('h1', null, t('群众说事 · 我要说事', 'Tell us about it')),
      h(
        'p',
        null,
        t('有事您就说，件件有回音。提交后凭案件编号和查询码随时查进度。', 'Every matter gets an answer. Keep your case number and tracking code to follow it.'),
      ),
    ),
    form,
    h('p', { class: 'muted small' }, t('已提交过？', 'Submitted before? '), h('a', { href: '/track' }, t('查询办理进度', 'Track your case'))),
  )
  await region.ready
}

function copyButton(text: string, label: string) {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(text)
        } catch {
          const ta = h('textarea', { style: 'position:fixed;opacity:0' }, text)
          document.body.append(ta)
          ta.select()
          document.execCommand('copy')
          ta.remove()
        }
        toast(t('已复制', 'Copied'))
      },
    },
    label,
  )
}

export function receipt(caseNo: string, code: string, photoCount = 0, photoError: unknown = null) {
  // The code never goes into a URL (history, logs, a shared link): the tracking page finds it
  // in this tab's storage, or asks for it.
  rememberTrackingCode(caseNo, code)
  const trackUrl = `/track/${encodeURIComponent(caseNo)}`
  document.title = `${t('提交成功', 'Submitted')} ${caseNo}`
  return h(
    'section',
    { class: 'card receipt', 'data-testid': 'receipt' },
    h('h1', null, t('提交成功', 'Submitted')),
    photoError
      ? errorBox(photoError)
      : photoCount
        ? h('p', { class: 'alert', 'data-testid': 'photos-sent' }, t(`已上传 ${photoCount} 张照片`, `${photoCount} photo(s) uploaded`))
        : null,
    h('p', null, t('请保存以下信息（截图或抄下来），用来查询进度和评价：', 'Keep this (screenshot or write it down) to track and rate your case:')),
    h('div', { class: 'label' }, t('案件编号', 'Case number')),
    h('div', { class: 'big', 'data-testid': 'case-no' }, caseNo),
    copyButton(caseNo, t('复制编号', 'Copy number')),
    h('div', { class: 'label', style: 'margin-top:14px' }, t('查询码', 'Tracking code')),
    h('div', { class: 'big', 'data-testid': 'tracking-code' }, code),
    copyButton(code, t('复制查询码', 'Copy code')),
    h('p', { style: 'margin-top:16px' }, h('a', { class: 'button primary', href: trackUrl, 'data-testid': 'track-link' }, t('查看办理进度', 'See progress'))),
    h(
      'p',
      { class: 'muted small' },
      t('也可收藏此链接（查询时需输入查询码）：', 'Or bookmark (you will be asked for the code): '),
      h('a', { href: trackUrl }, location.origin + trackUrl),
    ),
  )
}
