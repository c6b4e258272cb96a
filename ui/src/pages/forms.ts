import { ApiError, get, post, session } from '../lib/api.js'
import type { Item } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, messageText, named, serverText, t } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import { onLeave, navigate, type Ctx } from '../lib/router.js'
import { errorBox, loadCss, loading, pageHead, toast } from '../lib/ui.js'

/** A deployed form version (GET /api/forms). */
export type FormVersion = Item<'/api/forms'>

interface Region {
  code: string
  name: string
  nameEn?: string | null
  level: string
}

/** The counties by code, for names instead of codes (an administrator may deploy for any). */
async function counties(): Promise<Region[]> {
  try {
    const top = await get<Region[]>('/api/public/regions')
    const all = (
      await Promise.all(top.map((r) => (r.level === 'county' ? [r] : get<Region[]>(`/api/public/regions?parent=${encodeURIComponent(r.code)}`))))
    ).flat()
    return all.filter((c) => c.level === 'county')
  } catch {
    return []
  }
}

const scopeLabel = (tenant: string | null, regions: Region[]) => {
  if (!tenant) return t('市级默认', 'City default')
  const r = regions.find((x) => x.code === tenant)
  return r ? t(`${named(r)}版本`, `${named(r)} version`) : t('县级版本', 'County version')
}

/** /admin/forms: every task form, its versions per scope, and a way into the editor. */
export async function formListPage(ctx: Ctx) {
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('表单管理', 'Forms'), h('a', { class: 'button', href: '/admin/processes' }, t('← 流程管理', '← Processes'))),
    h(
      'p',
      { class: 'muted' },
      session.has('admin')
        ? t(
            '流程中的任务表单。每个县可有自己的版本，优先用于该县的任务；其余地区使用市级默认版本。',
            "The forms of the procedures' tasks. A county's own version wins for its tasks; the city default serves everyone else.",
          )
        : t(
            '您可以基于市级版本或本县版本编辑，并为本县部署新版本；市级默认版本只读。',
            "Edit the city's or your county's version and deploy a new version for your county; the city default is read-only.",
          ),
    ),
    body,
  )
  const [forms, regions] = await Promise.all([get<FormVersion[]>('/api/forms'), counties()])
  if (!ctx.alive()) return
  const byKey = new Map<string, FormVersion[]>()
  for (const f of forms) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f])
  const table = h(
    'table',
    { class: 'table', 'data-testid': 'form-list' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, t('表单', 'Form')),
        h('th', null, t('范围', 'Scope')),
        h('th', null, t('版本', 'Version')),
        h('th', null, t('部署', 'Deployed')),
        h('th', null, ''),
      ),
    ),
    h(
      'tbody',
      null,
      [...byKey.values()].flatMap((versions) => {
        // Newest per scope first (the list is ordered by key, tenant, version desc).
        const heads = versions.filter((v, i) => versions.findIndex((w) => w.tenant === v.tenant) === i)
        return heads.map((v, i) =>
          h(
            'tr',
            { 'data-form': v.key, 'data-tenant': v.tenant ?? '' },
            h('td', null, i === 0 ? serverText(v.name) || v.key : ''),
            h('td', null, scopeLabel(v.tenant, regions)),
            h(
              'td',
              null,
              `v${v.version}`,
              h(
                'span',
                { class: 'muted small' },
                t(`（共 ${versions.filter((w) => w.tenant === v.tenant).length} 个）`, ` (of ${versions.filter((w) => w.tenant === v.tenant).length})`),
              ),
            ),
            h('td', { class: 'small' }, fmtTime(v.deployedAt), v.deployedBy ? ` · ${personName(v.deployedBy, v.deployedByName)}` : ''),
            h(
              'td',
              null,
              h('a', { class: 'button small', href: `/admin/forms/edit?from=${encodeURIComponent(v.id)}`, 'data-testid': 'edit-form' }, t('编辑', 'Edit')),
            ),
          ),
        )
      }),
    ),
  )
  clear(body, h('div', { class: 'table-wrap' }, table))
}

/** /admin/forms/edit?from=<version id>: edit a copy of a version in form-js-editor, deploy for a scope. */
export async function formEditorPage(ctx: Ctx) {
  const from = ctx.query.get('from')
  if (!from) return void navigate('/admin/forms', true)
  const user = session.user!
  const isAdmin = user.roles.includes('admin')
  ctx.view.classList.add('wide')
  const status = h('div', { class: 'modeler-status', role: 'status', 'data-testid': 'form-editor-status' })
  const problems = h('div', { class: 'problems', 'data-testid': 'form-problems', role: 'alert' })
  const tenantSel = h('select', { 'data-testid': 'form-deploy-tenant', 'aria-label': t('部署范围', 'Deploy for') })
  const deployBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'form-deploy', disabled: true }, t('部署', 'Deploy'))
  const host = h('div', { class: 'form-editor-host', 'data-testid': 'form-editor' })
  ctx.view.append(
    pageHead(
      t('编辑表单', 'Edit form'),
      h('a', { class: 'button', href: '/admin/forms' }, t('← 表单管理', '← Forms')),
      h('label', { class: 'inline' }, t('部署为', 'Deploy as'), ' ', tenantSel),
      deployBtn,
    ),
    status,
    problems,
    host,
  )
  const [version, regions] = await Promise.all([get<FormVersion & { source: string }>(`/api/forms/${encodeURIComponent(from)}`), counties()])
  if (!ctx.alive()) return
  if (isAdmin) {
    tenantSel.append(h('option', { value: '' }, t('市级默认（全市）', 'City default (everyone)')))
    for (const c of regions) tenantSel.append(h('option', { value: c.code }, t(`${named(c)}版本`, `${named(c)} version`)))
    tenantSel.value = version.tenant ?? ''
  } else {
    const own = regions.find((r) => r.code === user.tenant)
    tenantSel.append(h('option', { value: user.tenant ?? '' }, own ? t(`${named(own)}版本`, `${named(own)} version`) : t('本县版本', 'County version')))
    tenantSel.disabled = true
  }
  status.append(
    h(
      'span',
      { class: 'muted' },
      t(
        `基于「${serverText(version.name) || version.key}」${scopeLabel(version.tenant, regions)} v${version.version} 编辑；部署后生成新版本，原版本不变。在左侧拖入字段，在右侧设置标签、键和校验（“中文 / English”两种语言写在同一标签中）。`,
        `Editing a copy of "${serverText(version.name) || version.key}", ${scopeLabel(version.tenant, regions)} v${version.version}; deploying makes a new version. Drag fields from the left; set label, key and validation on the right (write labels as "中文 / English").`,
      ),
    ),
  )
  await loadCss('/form-editor.css')
  const { createFormEditor } = await import('../form-editor.js')
  if (!ctx.alive()) return
  let editor: Awaited<ReturnType<typeof createFormEditor>>
  try {
    editor = await createFormEditor(host, JSON.parse(version.source))
  } catch (err) {
    return void status.append(errorBox(err))
  }
  onLeave(() => editor.destroy())

  deployBtn.onclick = async () => {
    clear(problems)
    deployBtn.disabled = true
    try {
      const schema = editor.saveSchema()
      // The key stays the form's: its tasks name it by camunda:formKey.
      const source = JSON.stringify({ ...schema, id: version.key })
      const res = await post<FormVersion>('/api/forms', { source, tenant: tenantSel.value || null })
      toast(t(`已部署 v${res.version}（${scopeLabel(res.tenant, regions)}）`, `Deployed v${res.version} (${scopeLabel(res.tenant, regions)})`))
      navigate(`/admin/forms/edit?from=${encodeURIComponent(res.id)}`, true)
    } catch (err) {
      if (err instanceof ApiError && err.details?.length) {
        problems.append(
          h('div', { class: 'alert error' }, messageText(err)),
          h(
            'ul',
            null,
            err.details.map((d) =>
              h(
                'li',
                null,
                d.field ? h('code', null, d.field) : null,
                d.field ? ' ' : null,
                messageText({ key: d.key, params: d.params, message: d.message ?? '' }),
              ),
            ),
          ),
        )
      } else problems.append(errorBox(err))
    } finally {
      deployBtn.disabled = false
    }
  }
  // Wired to the editor now (disabled until then: an early click did nothing).
  deployBtn.disabled = false
}
