import { ApiError, get, post, session } from '../lib/api.js'
import type { Item } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, getLang, quoted, serverText, t, tk } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, loading, pageHead, toast } from '../lib/ui.js'

export type Definition = Item<'/api/process-definitions'>

/** A BPMN file shipped with the server (processes/): seeds an empty database, then only on request. */
export type Shipped = Item<'/api/process-definitions/shipped'>

/**
 * The shipped version of a key, as a small action: an administrator deploys it as a new city
 * version, a county administrator as their county's own.
 */
function shippedAction(s: Shipped) {
  const county = !session.has('admin')
  const label = county ? t('为本县部署随系统提供的版本', 'Deploy the shipped version for my county') : t('部署随系统提供的版本', 'Deploy the shipped version')
  return h(
    'p',
    { class: 'muted shipped', 'data-testid': `shipped-${s.key}` },
    t(`随系统提供的版本（${s.file}）：`, `Shipped version (${s.file}): `),
    s.differsFromLatest
      ? badge(t('与市级最新版本不同', 'differs from the latest city version'), 'warn')
      : t('与市级最新版本相同', 'same as the latest city version'),
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
            toast(t(`已部署 v${d.version}（${tenantLabel(d.tenant, d)}）`, `Deployed v${d.version} (${tenantLabel(d.tenant, d)})`))
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
  const input = h('input', {
    type: 'file',
    multiple: true,
    accept: '.bpmn,.xml,.dmn,.form',
    'data-testid': 'bundle-files',
    'aria-label': t('选择文件', 'Choose files'),
  }) as HTMLInputElement
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
          form.append(
            'deployment-name',
            files
              .map((f) => f.name)
              .join(', ')
              .slice(0, 200),
          )
          form.append('deployment-source', 'Shuoshi')
          for (const f of files) form.append(f.name, f, f.name)
          const res = await fetch('/engine-rest/deployment/create', { method: 'POST', headers: { authorization: `Bearer ${session.token ?? ''}` }, body: form })
          const json = await res.json().catch(() => null)
          if (!res.ok) {
            // Camunda's error shape; `problems` carries the file's own problems in this API's form.
            return void clear(
              result,
              errorBox(new ApiError(res.status, json?.type ?? 'http_' + res.status, json?.message ?? res.statusText, json?.problems, json?.key, json?.params)),
            )
          }
          const d = json as Deployment
          const deployed = [d.deployedProcessDefinitions, d.deployedDecisionDefinitions, d.deployedFormDefinitions].flatMap((m) => Object.values(m ?? {}))
          toast(
            deployed.length
              ? t(
                  `已部署：${deployed.map((x) => `${x.key} v${x.version}`).join('、')}`,
                  `Deployed: ${deployed.map((x) => `${x.key} v${x.version}`).join(', ')}`,
                )
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
export type Resource = Item<'/api/resources'>

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
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('类型', 'Kind')),
            h('th', null, t('名称', 'Name')),
            h('th', null, t('版本', 'Version')),
            h('th', null, t('适用范围', 'Tenant')),
            h('th', null, t('部署时间', 'Deployed')),
            h('th', null, ''),
          ),
        ),
        h(
          'tbody',
          null,
          resources.map((r) =>
            h(
              'tr',
              { 'data-testid': 'resource-row' },
              h('td', null, kindLabel(r.kind)),
              h('td', null, serverText(r.name) || r.key, ' ', h('code', { class: 'muted' }, r.key)),
              h('td', null, `v${r.version}`),
              h('td', null, tenantLabel(r.tenant, r)),
              h('td', null, fmtTime(r.deployedAt)),
              h(
                'td',
                { class: 'actions' },
                downloadButton(`/api/resources/${encodeURIComponent(r.id)}/source?download=1`, `${r.key}-v${r.version}${ext(r.kind)}`, 'download-resource'),
              ),
            ),
          ),
        ),
      ),
    ),
  )
}

/** A version's scope by name: the city default, or the county's own (its name, never its code). */
/** Who deployed a version: by display name, the shipped versions as the system's. */
export const deployerLabel = (v: Pick<Definition, 'deployedBy' | 'deployedByName'>) =>
  v.deployedByName ?? (v.deployedBy === 'system' ? t('系统（随系统提供）', 'the system (shipped)') : (v.deployedBy ?? '—'))

export const tenantLabel = (tenant: string | null, d?: Pick<Definition, 'tenantName' | 'tenantNameEn'>) =>
  tenant ? t(`县级版本：${d?.tenantName ?? tenant}`, `county: ${d?.tenantNameEn ?? d?.tenantName ?? tenant}`) : t('市级默认', 'city default')

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
        ? t(
            '每个流程按“县”分版本：县级版本优先用于该县的案件，其余地区使用市级默认版本。',
            "Each county's own version of a key wins for its cases; the city default serves everyone else.",
          )
        : t('您可以为本县部署自己的版本；市级默认版本只读。', "You may deploy your county's own versions; city defaults are read-only."),
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
          const name = versions.find((v) => v.name)?.name
          // One history per scope: the city's versions, then each county's under its name.
          const scopes = new Map<string, Definition[]>()
          for (const v of versions) scopes.set(v.tenant ?? '', [...(scopes.get(v.tenant ?? '') ?? []), v])
          return h(
            'section',
            { class: 'card process', 'data-testid': `process-${key}` },
            h('h2', null, name ? serverText(name) : key, ' ', h('code', { class: 'muted' }, key)),
            shippedByKey.has(key) ? shippedAction(shippedByKey.get(key)!) : null,
            [...scopes.entries()].map(([tenant, list]) => scopeHistory(tenant, list, { cityInForce: !!scopes.get('')?.some((v) => !v.withdrawn) })),
          )
        }),
      resourceSection(resources),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}

/**
 * One scope's versions, newest first, each with who deployed it, when, and what it changed. What
 * a version changed opens below the table, not in a row of it: inside the table it was as wide as
 * the table and, at phone size, scrolled with it (starting mid-word at 390 px).
 */
function scopeHistory(tenant: string, versions: Definition[], opts: { cityInForce: boolean }) {
  const title = tenant
    ? t(`${versions[0].tenantName ?? tenant}（县级版本）`, `${versions[0].tenantNameEn ?? versions[0].tenantName ?? tenant} (county versions)`)
    : t('市级默认版本', 'City default versions')
  const diffs = h('div', { class: 'diffs' })
  const withdrawn = versions[0].withdrawn === true
  return h(
    'div',
    { class: 'scope', 'data-testid': 'scope', 'data-tenant': tenant, 'data-withdrawn': String(withdrawn) },
    h('h3', null, title),
    withdrawal(tenant, versions[0], opts),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': title },
      h(
        'table',
        { class: 'table versions' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('版本', 'Version')),
            h('th', null, t('部署时间', 'Deployed')),
            h('th', null, t('部署人', 'By')),
            h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))),
          ),
        ),
        h(
          'tbody',
          null,
          versions.map((v, i) => {
            const panel = h('section', {
              class: 'diff-panel',
              id: `diff-${v.id}`,
              hidden: true,
              'aria-label': t(`v${v.version} 的变更`, `What v${v.version} changed`),
            })
            diffs.append(panel)
            const toggle = h(
              'button',
              { type: 'button', class: 'link', 'data-testid': 'show-diff', 'aria-expanded': 'false', 'aria-controls': panel.id },
              t('查看变更', 'What changed'),
            )
            toggle.onclick = () => {
              const open = panel.hidden
              panel.hidden = !open
              toggle.setAttribute('aria-expanded', String(open))
              if (open && !panel.dataset.loaded) {
                panel.dataset.loaded = '1'
                void loadDiff(v, panel)
              }
            }
            return h(
              'tr',
              { 'data-testid': 'version-row', 'data-tenant': v.tenant ?? '' },
              h(
                'td',
                null,
                `v${v.version}`,
                // A withdrawn scope's newest version serves no new instance: it is not "in force".
                i === 0 ? [' ', withdrawn ? badge(tk('withdrawal.withdrawn'), 'warn') : badge(tk('withdrawal.inForce'), 'ok')] : null,
              ),
              // Date and time each whole when the column wraps at phone size (not "2026-12-" / "04 20:48").
              h(
                'td',
                null,
                fmtTime(v.deployedAt)
                  .split(' ')
                  .map((part, j) => [j ? ' ' : null, h('span', { class: 'nowrap' }, part)]),
              ),
              h('td', null, deployerLabel(v)),
              h(
                'td',
                { class: 'actions' },
                // One action a line at phone size (app.css .versions .actions).
                h(
                  'div',
                  { class: 'version-actions' },
                  toggle,
                  h('a', { href: `/admin/definitions/${v.id}` }, t('查看', 'View')),
                  h('a', { href: `/admin/modeler?from=${encodeURIComponent(v.id)}`, 'data-testid': 'edit-version' }, t('基于此版本编辑', 'Edit as new')),
                  downloadButton(`/api/process-definitions/${encodeURIComponent(v.id)}/xml?download=1`, `${v.key}-v${v.version}.bpmn`, 'download-version'),
                ),
              ),
            )
          }),
        ),
      ),
    ),
    diffs,
  )
}

/** May the signed-in administrator withdraw and restore `tenant`'s versions ('' the city's)? As the server's policy: the city's administrator any, a county's their own. */
const administers = (tenant: string) => session.has('admin') || (session.has('county_admin') && !!tenant && session.user?.tenant === tenant)

/**
 * A scope's withdrawal: while withdrawn, who did it and when, what new cases get instead, and
 * 恢复 / Restore; otherwise 停用 / Withdraw, after a confirmation naming what happens (the county's
 * new cases go to the city default, or the key cannot start). Nothing for those who may not.
 */
function withdrawal(tenant: string, newest: Definition, opts: { cityInForce: boolean }) {
  const key = newest.key
  const mine = administers(tenant)
  const act = (action: 'withdraw' | 'restore') => (e: Event) =>
    busy(e.currentTarget as HTMLButtonElement, async () => {
      if (action === 'withdraw') {
        const sentence = !tenant
          ? tk('withdrawal.confirmCity', { key })
          : tk(opts.cityInForce ? 'withdrawal.confirmCounty' : 'withdrawal.confirmCountyNoCity', {
              key,
              tenantName: newest.tenantName ?? tenant,
              tenantNameEn: newest.tenantNameEn ?? newest.tenantName ?? tenant,
            })
        if (!confirm(sentence)) return
      }
      await post(`/api/process-definitions/key/${encodeURIComponent(key)}/${action}`, { tenant: tenant || null })
      toast(tk(action === 'withdraw' ? 'withdrawal.withdrawnToast' : 'withdrawal.restoredToast', { key }))
      navigate(location.pathname, true)
    })
  if (!newest.withdrawn)
    return mine
      ? h(
          'p',
          { class: 'withdrawal' },
          h('button', { type: 'button', class: 'link danger', 'data-testid': 'withdraw', onclick: act('withdraw') }, tk('withdrawal.withdraw')),
        )
      : null
  return h(
    'p',
    { class: 'withdrawal alert warn', 'data-testid': 'withdrawn' },
    badge(tk('withdrawal.withdrawn'), 'warn'),
    ' ',
    newest.withdrawnAt ? tk('withdrawal.withdrawnBy', { by: newest.withdrawnByName ?? newest.withdrawnBy ?? '—', at: newest.withdrawnAt }) : null,
    // Chinese sentences follow their 。 directly; English ones after a space.
    getLang() === 'zh' ? '' : ' ',
    tenant && opts.cityInForce ? tk('withdrawal.countyUsesCity') : tk('withdrawal.cannotStart'),
    mine ? [' ', h('button', { type: 'button', class: 'link', 'data-testid': 'restore', onclick: act('restore') }, tk('withdrawal.restore'))] : null,
  )
}

interface Ref {
  id: string
  type: string
  name: string | null
}
interface Change extends Ref {
  field: string
  from: string | null
  to: string | null
}
interface Diff {
  from: Definition | null
  to: Definition
  added: Ref[]
  removed: Ref[]
  renamed: (Ref & { from: string | null; to: string | null })[]
  changed: Change[]
  flows: {
    added: { id: string; sourceName: string | null; targetName: string | null; source: string; target: string }[]
    removed: { id: string; sourceName: string | null; targetName: string | null; source: string; target: string }[]
    changed: (Change & { sourceName: string | null; targetName: string | null })[]
  }
}

/** BPMN element kinds by name (what a county administrator calls them). */
const TYPES: Record<string, [string, string]> = {
  UserTask: ['人工任务', 'user task'],
  ServiceTask: ['服务任务', 'service task'],
  StartEvent: ['开始事件', 'start event'],
  EndEvent: ['结束事件', 'end event'],
  BoundaryEvent: ['边界事件', 'boundary event'],
  ExclusiveGateway: ['排他网关', 'exclusive gateway'],
  ParallelGateway: ['并行网关', 'parallel gateway'],
  InclusiveGateway: ['包容网关', 'inclusive gateway'],
  IntermediateCatchEvent: ['中间事件', 'intermediate event'],
  IntermediateThrowEvent: ['中间事件', 'intermediate event'],
  CallActivity: ['调用活动', 'call activity'],
  SubProcess: ['子流程', 'sub-process'],
  SequenceFlow: ['连线', 'flow'],
}
const FIELDS: Record<string, [string, string]> = {
  type: ['元素类型', 'element type'],
  assignee: ['办理人', 'assignee'],
  candidateGroups: ['候选组', 'candidate groups'],
  candidateUsers: ['候选人', 'candidate users'],
  dueDate: ['办理时限', 'due date'],
  formKey: ['表单', 'form'],
  priority: ['优先级', 'priority'],
  topic: ['处理程序', 'handler'],
  expression: ['表达式', 'expression'],
  calledElement: ['调用的流程', 'called procedure'],
  timer: ['定时', 'timer'],
  message: ['消息', 'message'],
  attachedTo: ['附着于', 'attached to'],
  properties: ['平台属性', 'platform properties'],
  source: ['起点', 'from'],
  target: ['终点', 'to'],
  condition: ['条件', 'condition'],
}
const typeName = (type: string) => t(...(TYPES[type] ?? [type, type]))
/** An element's name in the reader's language ("办理", not "办理 / Handle"). */
const nameOf = (name: string | null, id: string) => serverText(name) || id
const elName = (r: { name: string | null; id: string; type?: string }) => `${r.type ? `${typeName(r.type)} ` : ''}${quoted(nameOf(r.name, r.id))}`
const value = (v: string | null) => h('code', null, v ?? t('（无）', '(none)'))
// The diff gives a timer as "<kind> <expression>" (src/engine/diff.ts): the kind in words, the expression as code.
const TIMER_KINDS: Record<string, [string, string]> = { date: ['日期', 'date'], duration: ['时长', 'duration'], cycle: ['周期', 'cycle'] }
const changeValue = (field: string, v: string | null) => {
  const m = field === 'timer' && v ? /^(date|duration|cycle) (.*)$/s.exec(v) : null
  return m ? h('span', null, t(...TIMER_KINDS[m[1]]), ' ', value(m[2])) : value(v)
}
const colon = () => t('：', ': ')

async function loadDiff(v: Definition, cell: HTMLElement) {
  cell.replaceChildren(loading())
  try {
    const d = await get<Diff>(`/api/process-definitions/${encodeURIComponent(v.id)}/diff`)
    const items: (Node | string)[] = []
    const li = (...parts: (Node | string)[]) => items.push(h('li', null, ...parts))
    for (const a of d.added) li(badge(t('新增', 'added'), 'ok'), ' ', elName(a))
    for (const r of d.removed) li(badge(t('删除', 'removed'), 'warn'), ' ', elName(r))
    for (const r of d.renamed) li(badge(t('改名', 'renamed'), ''), ' ', typeName(r.type), ' ', quoted(nameOf(r.from, r.id)), ' → ', quoted(nameOf(r.to, r.id)))
    for (const c of d.changed)
      li(
        badge(t('修改', 'changed'), ''),
        ' ',
        elName(c),
        ' ',
        t(...(FIELDS[c.field] ?? [c.field, c.field])),
        colon(),
        changeValue(c.field, c.from),
        ' → ',
        changeValue(c.field, c.to),
      )
    const ends = (f: { sourceName: string | null; targetName: string | null; source?: string; target?: string }) =>
      `${quoted(nameOf(f.sourceName, f.source ?? '?'))} → ${quoted(nameOf(f.targetName, f.target ?? '?'))}`
    for (const f of d.flows.added) li(badge(t('新增连线', 'flow added'), 'ok'), ' ', ends(f))
    for (const f of d.flows.removed) li(badge(t('删除连线', 'flow removed'), 'warn'), ' ', ends(f))
    for (const c of d.flows.changed)
      li(badge(t('连线修改', 'flow changed'), ''), ' ', ends(c), ' ', t(...(FIELDS[c.field] ?? [c.field, c.field])), colon(), value(c.from), ' → ', value(c.to))
    const against = d.from
      ? t(`与 ${tenantLabel(d.from.tenant, d.from)} v${d.from.version} 相比`, `Compared with ${tenantLabel(d.from.tenant, d.from)} v${d.from.version}`)
      : t('第一个版本：以下均为新增', 'The first version: everything is new')
    cell.replaceChildren(
      h(
        'div',
        { class: 'diff', 'data-testid': 'diff' },
        h('h4', null, t(`v${v.version} 的变更`, `What v${v.version} changed`)),
        h('p', { class: 'muted' }, against),
        items.length ? h('ul', { class: 'diff-list' }, items) : h('p', null, t('与上一版本相比没有变化', 'No change from the version before')),
      ),
    )
  } catch (err) {
    cell.replaceChildren(errorBox(err))
  }
}
