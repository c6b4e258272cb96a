import { idempotencyKey, post } from '../lib/api.js'
import { categoryPicker, regionCascade } from '../lib/cascade.js'
import { clear, h } from '../lib/dom.js'
import { CHANNEL, t, tr } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { errorBox, errorText, field, pageHead, toast } from '../lib/ui.js'
import { photoPicker, uploadFiles } from '../lib/attachments.js'

/** The channels staff register by hand (the others arrive through their own intake), named by the catalogue. */
const CHANNELS = [
  'hotline',
  '12345',
  '12315',
  'walk_in',
  'grid_report',
  'suggestion_box',
  'secretary_mailbox',
  'secretary_reception',
  'deputy_station',
  'wechat_group',
  'visit',
  'letter',
  'other',
]

/** Hotline and walk-in staff register a case on the citizen's behalf (POST /api/cases). */
interface Similar {
  id: string
  caseNo: string
  title: string | null
  status: string
  createdAt: string
  score: number
}

function similarPanel(c: { id: string; caseNo: string }, items: Similar[]) {
  const err = h('div')
  return h(
    'section',
    { class: 'card', 'data-testid': 'similar' },
    h('h2', null, t(`${c.caseNo} 可能与以下案件重复`, `${c.caseNo} may repeat these cases`)),
    h(
      'ul',
      { class: 'plain' },
      items.map((s) =>
        h(
          'li',
          { 'data-similar': s.caseNo },
          h('strong', null, s.caseNo),
          ` ${s.title ?? ''} `,
          h('span', { class: 'muted' }, `(${Math.round(s.score * 100)}%)`),
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              'data-testid': 'link-duplicate',
              onclick: async () => {
                try {
                  await post(`/api/cases/${c.id}/duplicate-of`, { mainCaseId: s.id })
                  toast(t(`已并入 ${s.caseNo}`, `Linked to ${s.caseNo}`))
                  navigate(`/cases/${c.id}`)
                } catch (e) {
                  clear(err, errorBox(e))
                }
              },
            },
            t('并入此案（重复件）', 'Link as its duplicate'),
          ),
        ),
      ),
    ),
    err,
    h(
      'button',
      { type: 'button', class: 'btn', 'data-testid': 'not-duplicate', onclick: () => navigate(`/cases/${c.id}`) },
      t('不是重复件，继续', 'Not a duplicate: continue'),
    ),
  )
}

export async function intakePage(ctx: Ctx) {
  const cats = await categoryPicker('intake-category')
  const region = regionCascade({ testid: 'intake-region' })
  const channel = h(
    'select',
    { name: 'channel', 'data-testid': 'channel' },
    CHANNELS.map((v) => h('option', { value: v }, tr(CHANNEL, v))),
  )
  const urgency = h(
    'select',
    { name: 'urgency' },
    h('option', { value: 'normal' }, t('一般', 'Normal')),
    h('option', { value: 'urgent' }, t('紧急', 'Urgent')),
    h('option', { value: 'emergency' }, t('特急（危及生命财产）', 'Emergency (life or property)')),
  )
  const ptype = h(
    'select',
    { name: 'ptype' },
    h('option', { value: 'person' }, t('自然人', 'Person')),
    h('option', { value: 'legal_person' }, t('法人', 'Legal person')),
    h('option', { value: 'organisation' }, t('其他组织', 'Organisation')),
  )
  const anon = h('input', { type: 'checkbox' })
  const name = h('input', { maxlength: 100 })
  const phone = h('input', { type: 'tel', maxlength: 30, pattern: '[0-9+\\-() ]*' })
  const title = h('input', { maxlength: 200 })
  const description = h('textarea', { required: true, maxlength: 5000 })
  const photos = photoPicker({ testid: 'intake-photos' })
  const address = h('input', { maxlength: 300 })
  const msg = h('div')
  const submit = h('button', { type: 'submit', class: 'primary block' }, t('登记并派遣', 'Register'))
  // As on the citizen's form: a retry after a lost answer gets the first case back; an edited
  // form is a new registration.
  let attempt: { body: string; key: string } | null = null
  const form = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault()
        clear(msg)
        const problems = [
          !cats.value() && t('请选择类别', 'Choose a category'),
          !region.value() && t('请选择地区', 'Choose a region'),
          !description.value.trim() && t('请填写问题描述', 'Describe the matter'),
          phone.value && !phone.checkValidity() && t('电话格式不正确', 'Phone looks wrong'),
        ].filter(Boolean)
        if (problems.length) return void msg.append(h('div', { class: 'alert error' }, problems.join('\n')))
        submit.disabled = true
        try {
          const body = {
            channel: channel.value,
            urgency: urgency.value,
            category: cats.value(),
            regionCode: region.value(),
            description: description.value.trim(),
            ...(title.value.trim() && { title: title.value.trim() }),
            ...(address.value.trim() && { address: address.value.trim() }),
            petitioner: {
              type: ptype.value,
              anonymous: anon.checked,
              ...(!anon.checked && name.value.trim() && { name: name.value.trim() }),
              ...(!anon.checked && phone.value.trim() && { phone: phone.value.trim() }),
            },
          }
          const json = JSON.stringify(body)
          if (attempt?.body !== json) attempt = { body: json, key: idempotencyKey() }
          const c = await post<{ id: string; caseNo: string; similar?: Similar[] }>('/api/cases', body, { 'idempotency-key': attempt.key })
          toast(t(`已登记 ${c.caseNo}`, `Registered ${c.caseNo}`))
          const files = photos.files()
          if (files.length) {
            try {
              await uploadFiles(`/api/cases/${encodeURIComponent(c.id)}/attachments`, files)
              photos.clear()
            } catch (err) {
              // the case stands; the files can be added again on its page
              toast(errorText(err), 'error')
            }
          }
          // 重复件: the server suggests open or recent cases this one may repeat; the registrar
          // may link it to one of them (the server checks scope and county again).
          if (c.similar?.length) clear(msg, similarPanel(c, c.similar))
          else navigate(`/cases/${c.id}`)
        } catch (err) {
          msg.append(errorBox(err))
        } finally {
          submit.disabled = false
        }
      },
    },
    h('div', { class: 'row2' }, field(t('来源渠道', 'Channel'), channel, undefined, true), field(t('紧急程度', 'Urgency'), urgency)),
    field(t('类别', 'Category'), cats.el, undefined, true),
    field(t('地区', 'Region'), region.el, undefined, true),
    field(t('详细地址', 'Address'), address),
    field(t('标题', 'Title'), title),
    field(t('问题描述', 'Description'), description, undefined, true),
    field(t('照片（可选）', 'Photos (optional)'), photos.el),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, t('诉求人', 'Petitioner')),
      h('div', { class: 'row2' }, field(t('类型', 'Type'), ptype), h('label', { class: 'check' }, anon, t('匿名', 'Anonymous'))),
      h('div', { class: 'row2' }, field(t('姓名/名称', 'Name'), name), field(t('电话', 'Phone'), phone)),
    ),
    msg,
    submit,
  )
  ctx.view.append(pageHead(t('登记案件', 'Register a case')), form)
  await region.ready
}
