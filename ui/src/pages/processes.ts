import { get, post, session } from '../lib/api.js'
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
interface Shipped {
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

export const tenantLabel = (tenant: string | null) => (tenant ? t(`县级版本：${tenant}`, `county: ${tenant}`) : t('市级默认', 'city default'))

export async function processListPage(ctx: Ctx) {
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('流程管理', 'Processes'), h('a', { class: 'button primary', href: '/admin/modeler', 'data-testid': 'new-process' }, t('新建流程', 'New process'))),
    h(
      'p',
      { class: 'muted' },
      session.has('admin')
        ? t('每个流程按“县”分版本：县级版本优先用于该县的案件，其余地区使用市级默认版本。', "Each county's own version of a key wins for its cases; the city default serves everyone else.")
        : t(`您可以为本县（${session.user?.tenant}）部署自己的版本；市级默认版本只读。`, `You may deploy your county's (${session.user?.tenant}) own versions; city defaults are read-only.`),
    ),
    body,
  )
  try {
    const [defs, shipped] = await Promise.all([get<Definition[]>('/api/process-definitions'), get<Shipped[]>('/api/process-definitions/shipped')])
    if (!ctx.alive()) return
    const shippedByKey = new Map(shipped.map((s) => [s.key, s]))
    const byKey = new Map<string, Definition[]>()
    for (const d of defs) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d])
    if (byKey.size === 0) return void clear(body, h('p', { class: 'empty' }, t('还没有部署任何流程。', 'No process deployed yet.')))
    clear(
      body,
      [...byKey.entries()]
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
                      ),
                    ),
                  ),
                ),
              ),
            ),
          )
        }),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}
