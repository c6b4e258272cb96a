import { ApiError, get, post, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, serverText, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, loading, pageHead, toast } from '../lib/ui.js'

export interface Definition {
  id: string
  key: string
  version: number
  tenant: string | null
  name: string | null
  deployedAt: string
  deployedBy: string | null
}

/** A BPMN file shipped with the server (processes/): seeds an empty database, then only on request. */
export interface Shipped {
  key: string
  name: string | null
  file: string
  latestCityVersion: number | null
  differsFromLatest: boolean
}

/**
 * The shipped version of a key, as a small action: an administrator deploys it as a new city
 * version, a county administrator as their county's own.
 */
function shippedAction(s: Shipped) {
  const county = !session.has('admin')
  const label = county ? t('为本县部署随系统提供的版本', "Deploy the shipped version for my county") : t('部署随系统提供的版本', 'Deploy the shipped version')
  return h(
    'p',
    { class: 'muted shipped', 'data-testid': `shipped-${s.key}` },
    t(`随系统提供的版本（${s.file}）：`, `Shipped version (${s.file}): `),
    s.differsFromLatest ? badge(t('与市级最新版本不同', 'differs from the latest city version'), 'warn') : t('与市级最新版本相同', 'same as the latest city version'),
    ' ',
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': 'deploy-shipped',
        onclick: (e: Event) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            const d = await post<Definition>(`/api/process-definitions/shipped/${encodeURIComponent(s.key)}/deploy`, {})
            toast(t(`已部署 v${d.version}（${tenantLabel(d.tenant)}）`, `Deployed v${d.version} (${tenantLabel(d.tenant)})`))
            navigate(location.pathname, true)
          }),
      },
      label,
    ),
  )
}

/**
 * Saves a file the API answers (`?download=1`): a plain link cannot carry the bearer token, so
 * the file is fetched and handed to the browser as a blob under the server's file name.
 */
async function download(url: string, fallbackName: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${session.token ?? ''}` } })
  if (!res.ok) {
    const json = await res.json().catch(() => null)
    throw new ApiError(res.status, json?.error ?? 'http_' + res.status, json?.message ?? res.statusText, json?.details, json?.key, json?.params)
  }
  const disposition = res.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  const plain = /filename="([^"]+)"/i.exec(disposition)
  const name = star ? decodeURIComponent(star[1]) : (plain?.[1] ?? fallbackName)
  const href = URL.createObjectURL(await res.blob())
  const a = h('a', { href, download: name, hidden: true })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

const downloadButton = (url: string, name: string, testid: string) =>
  h(
    'button',
    { type: 'button', class: 'link', 'data-testid': testid, onclick: (e: Event) => busy(e.currentTarget as HTMLButtonElement, () => download(url, name)) },
    t('下载', 'Download'),
  )

/** What POST /engine-rest/deployment/create answers (Camunda 7's deployment, and this server's forms). */
interface Deployment {
  deployedProcessDefinitions: Record<string, { key: string; version: number }> | null
  deployedDecisionDefinitions: Record<string, { key: string; version: number }> | null
  deployedFormDefinitions: Record<string, { key: string; version: number }> | null
}

/**
 * Several .bpmn / .dmn / .form files deployed at once, all or none: the same Camunda 7 route
 * Camunda Modeler's "Deploy" button uses. A county administrator's files land in their county.
 */
function bundleUpload() {
  const input = h('input', { type: 'file', multiple: true, accept: '.bpmn,.xml,.dmn,.form', 'data-testid': 'bundle-files', 'aria-label': t('选择文件', 'Choose files') }) as HTMLInputElement
  const result = h('div', { 'data-testid': 'bundle-result' })
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button',
      'data-testid': 'bundle-deploy',
      onclick: (e: Event) =>
        busy(e.currentTarget as HTMLButtonElement, async () => {
          const files = [...(input.files ?? [])]
          if (!files.length) return void clear(result, h('p', { class: 'alert error', role: 'alert' }, t('请先选择文件。', 'Choose the files first.')))
          const form = new FormData()
          form.append('deployment-name', files.map((f) => f.name).join(', ').slice(0, 200))
          form.append('deployment-source', 'Shuoshi')
          for (const f of files) form.append(f.name, f, f.name)
          const res = await fetch('/engine-rest/deployment/create', { method: 'POST', headers: { authorization: `Bearer ${session.token ?? ''}` }, body: form })
          const json = await res.json().catch(() => null)
          if (!res.ok) {
            // Camunda's error shape; `problems` carries the file's own problems in this API's form.
            return void clear(result, errorBox(new ApiError(res.status, json?.type ?? 'http_' + res.status, json?.message ?? res.statusText, json?.problems, json?.key, json?.params)))
          }
          const d = json as Deployment
          const deployed = [d.deployedProcessDefinitions, d.deployedDecisionDefinitions, d.deployedFormDefinitions].flatMap((m) => Object.values(m ?? {}))
          toast(
            deployed.length
              ? t(`已部署：${deployed.map((x) => `${x.key} v${x.version}`).join('、')}`, `Deployed: ${deployed.map((x) => `${x.key} v${x.version}`).join(', ')}`)
              : t('文件均未改变，没有新版本。', 'Nothing changed: no new version.'),
          )
          navigate(location.pathname, true)
        }),
    },
    t('部署所选文件', 'Deploy the chosen files'),
  )
  return h(
    'details',
    { class: 'card bundle', 'data-testid': 'bundle' },
    h('summary', null, t('一次部署多个文件（.bpmn、.dmn、.form）', 'Deploy several files at once (.bpmn, .dmn, .form)')),
    h(
      'p',
      { class: 'muted' },
      t(
        '全部文件一起部署：任一文件有问题则都不部署。Camunda Modeler 也可直接部署到本系统：地址填 ',
        'All files deploy together: if one has a problem, none is deployed. Camunda Modeler can deploy here too, with the endpoint ',
      ),
      h('code', null, `${location.origin}/engine-rest`),
      t('，认证方式选 Bearer token。', ' and Bearer token authentication.'),
    ),
    h('p', null, input, ' ', button),
    result,
  )
}

/** Deployed forms and decision tables, each version downloadable as the file Camunda Modeler opens. */
export interface Resource {
  id: string
  kind: 'form' | 'decision'
  key: string
  version: number
  tenant: string | null
  name: string | null
  deployedAt: string
}

function resourceSection(resources: Resource[]) {
  if (!resources.length) return null
  const kindLabel = (k: Resource['kind']) => (k === 'form' ? t('表单', 'Form') : t('决策表', 'Decision table'))
  const ext = (k: Resource['kind']) => (k === 'form' ? '.form' : '.dmn')
  return h(
    'section',
    { class: 'card', 'data-testid': 'resources' },
    h('h2', null, t('表单与决策表', 'Forms and decision tables')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table' },
        h('thead', null, h('tr', null, h('th', null, t('类型', 'Kind')), h('th', null, t('名称', 'Name')), h('th', null, t('版本', 'Version')), h('th', null, t('适用范围', 'Tenant')), h('th', null, t('部署时间', 'Deployed')), h('th', null, ''))),
        h(
          'tbody',
          null,
          resources.map((r) =>
            h(
              'tr',
              { 'data-testid': 'resource-row' },
              h('td', null, kindLabel(r.kind)),
              h('td', null, r.name ?? r.key, ' ', h('code', { class: 'muted' }, r.key)),
              h('td', null, `v${r.version}`),
              h('td', null, tenantLabel(r.tenant)),
              h('td', null, fmtTime(r.deployedAt)),
              h('td', { class: 'actions' }, downloadButton(`/api/resources/${encodeURIComponent(r.id)}/source?download=1`, `${r.key}-v${r.version}${ext(r.kind)}`, 'download-resource')),
            ),
          ),
        ),
      ),
    ),
  )
}

export const tenantLabel = (tenant: string | null) => (tenant ? t(`县级版本：${tenant}`, `county: ${tenant}`) : t('市级默认', 'city default'))

export async function processListPage(ctx: Ctx) {
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(
      t('流程管理', 'Processes'),
      h('a', { class: 'button', href: '/admin/forms', 'data-testid': 'forms-link' }, t('表单管理', 'Forms')),
      h('a', { class: 'button primary', href: '/admin/modeler', 'data-testid': 'new-process' }, t('新建流程', 'New process')),
    ),
    h(
      'p',
      { class: 'muted' },
      session.has('admin')
        ? t('每个流程按“县”分版本：县级版本优先用于该县的案件，其余地区使用市级默认版本。', "Each county's own version of a key wins for its cases; the city default serves everyone else.")
        : t(`您可以为本县（${session.user?.tenant}）部署自己的版本；市级默认版本只读。`, `You may deploy your county's (${session.user?.tenant}) own versions; city defaults are read-only.`),
    ),
    bundleUpload(),
    body,
  )
  try {
    const [defs, shipped, resources] = await Promise.all([
      get<Definition[]>('/api/process-definitions'),
      get<Shipped[]>('/api/process-definitions/shipped'),
      get<Resource[]>('/api/resources'),
    ])
    if (!ctx.alive()) return
    const shippedByKey = new Map(shipped.map((s) => [s.key, s]))
    const byKey = new Map<string, Definition[]>()
    for (const d of defs) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d])
    if (byKey.size === 0) return void clear(body, h('p', { class: 'empty' }, t('还没有部署任何流程。', 'No process deployed yet.')), resourceSection(resources))
    clear(
      body,
      ...[...byKey.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, versions]) => {
          versions.sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || b.version - a.version)
          // The newest version per tenant is the one in force; older ones open read-only.
          const latest = new Map<string, string>()
          for (const v of versions) if (!latest.has(v.tenant ?? '')) latest.set(v.tenant ?? '', v.id)
          const name = versions.find((v) => v.name)?.name
          return h(
            'section',
            { class: 'card process', 'data-testid': `process-${key}` },
            h('h2', null, name ? serverText(name) : key, ' ', h('code', { class: 'muted' }, key)),
            shippedByKey.has(key) ? shippedAction(shippedByKey.get(key)!) : null,
            h(
              'div',
              { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': name ?? key },
              h(
                'table',
                { class: 'table' },
                h('thead', null, h('tr', null, h('th', null, t('版本', 'Version')), h('th', null, t('适用范围', 'Tenant')), h('th', null, t('部署时间', 'Deployed')), h('th', null, t('部署人', 'By')), h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))))),
                h(
                  'tbody',
                  null,
                  versions.map((v) =>
                    h(
                      'tr',
                      { 'data-testid': 'version-row', 'data-tenant': v.tenant ?? '' },
                      h('td', null, `v${v.version}`, latest.get(v.tenant ?? '') === v.id ? [' ', badge(t('生效中', 'in force'), 'ok')] : null),
                      h('td', null, tenantLabel(v.tenant)),
                      h('td', null, fmtTime(v.deployedAt)),
                      h('td', null, v.deployedBy ?? '—'),
                      h(
                        'td',
                        { class: 'actions' },
                        h('a', { href: `/admin/definitions/${v.id}` }, t('查看', 'View')),
                        ' ',
                        h('a', { href: `/admin/modeler?from=${encodeURIComponent(v.id)}`, 'data-testid': 'edit-version' }, t('基于此版本编辑', 'Edit as new')),
                        ' ',
                        downloadButton(`/api/process-definitions/${encodeURIComponent(v.id)}/xml?download=1`, `${v.key}-v${v.version}.bpmn`, 'download-version'),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          )
        }),
      resourceSection(resources),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}
