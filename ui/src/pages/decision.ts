import { ApiError, get, post, qs, session } from '../lib/api.js'
import type { Answer } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, messageText, named, serverText, t } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import { navigate, onLeave, type Ctx } from '../lib/router.js'
import { errorBox, errorText, loadCss, loading, pageHead, toast } from '../lib/ui.js'
import { tryPanel, type DecisionInfo } from './decision-try.js'

type DecisionVersion = Answer<'/api/decisions/key/{key}'>

/**
 * /admin/decision?key=routing&tenant=xianghe: a deployed DMN decision in the dmn-js decision
 * table editor, deployed as the next version for the chosen scope (a county administrator: their
 * county only; the server checks it again). A county without its own version starts from the city's.
 */
export async function decisionPage(ctx: Ctx) {
  const user = session.user!
  const isAdmin = user.roles.includes('admin')
  const key = ctx.query.get('key') ?? 'routing'
  const tenant = isAdmin ? (ctx.query.get('tenant') ?? '') : (user.tenant ?? '')
  ctx.view.classList.add('wide')
  const tenantSel = h(
    'select',
    {
      'data-testid': 'decision-tenant',
      'aria-label': t('范围', 'Scope'),
      disabled: !isAdmin,
      onchange: (e: Event) => navigate(`/admin/decision${qs({ key, tenant: (e.target as HTMLSelectElement).value })}`),
    },
    h('option', { value: '' }, t('全市', 'City')),
  )
  // The scope's county by name (the version line and the deploy message said its code).
  const county = tenant
    ? get<{ name: string; nameEn?: string | null }>(`/api/org/regions/${encodeURIComponent(tenant)}`).catch(() => null)
    : Promise.resolve(null)
  if (!isAdmin) {
    const own = h('option', { value: tenant }, t('本县', 'Own county'))
    tenantSel.replaceChildren(own)
    void county.then((r) => r && (own.textContent = t(`本县：${named(r)}`, `County: ${named(r)}`)))
  } else {
    get<Answer<'/api/public/regions'>>('/api/public/regions')
      .then(async (top) => {
        const counties = (
          await Promise.all(top.map((c) => (c.level === 'county' ? [c] : get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`))))
        )
          .flat()
          .filter((c) => c.level === 'county')
        for (const c of counties) tenantSel.append(h('option', { value: c.code, selected: c.code === tenant }, t(`县级：${named(c)}`, `County: ${named(c)}`)))
      })
      .catch(() => {})
  }
  const deployBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'decision-deploy', disabled: true }, t('部署', 'Deploy'))
  const status = h('div', { 'data-testid': 'decision-status', role: 'status' })
  const editorEl = h('div', { class: 'dmn-editor', 'data-testid': 'dmn-editor' }, loading())
  const trying = h('div')
  ctx.view.append(
    pageHead(t('决策表', 'Decision table'), h('label', { class: 'inline' }, t('部署范围', 'Deploy for'), ' ', tenantSel), deployBtn),
    h(
      'p',
      { class: 'muted' },
      key === 'routing'
        ? t(
            '派单决策：命中策略 FIRST，自上而下第一条匹配的规则生效（更具体的规则在前）。县级版本先于全市版本；县级版本没有匹配的规则时使用全市版本。承办单位写单位代码或 @grid、@village、@centre、@township:职能、@county:职能、@city:职能（文本加英文双引号）。',
            "Routing decision: hit policy FIRST, the first matching rule from the top wins (more specific rules first). A county's version is tried before the city's, which catches what it does not match. Owner: a unit code or @grid, @village, @centre, @township:<duty>, @county:<duty>, @city:<duty> (text in double quotes).",
          )
        : t('部署后生成新版本，原版本不变。', 'Deploying makes a new version; earlier versions stay.'),
      ' ',
      key === 'routing' ? h('a', { href: `/admin/routing-rules${qs({ tenant: isAdmin ? tenant : undefined })}` }, t('简易规则列表', 'Simple rule list')) : null,
    ),
    status,
    editorEl,
    trying,
  )

  let current: DecisionVersion
  try {
    current = await get<DecisionVersion>(`/api/decisions/key/${encodeURIComponent(key)}${qs({ tenant: isAdmin ? tenant || undefined : undefined })}`)
  } catch (err) {
    clear(editorEl, errorBox(err))
    return
  }
  const region = await county
  const scopeLabel = (v: { tenant: string | null }) =>
    !v.tenant ? t('全市', 'city') : region && v.tenant === tenant ? named(region) : t(`县级 ${v.tenant}`, `county ${v.tenant}`)
  const describe = (v: DecisionVersion) =>
    t(
      `当前使用：${serverText(v.name) || v.key} v${v.version}（${scopeLabel(v)}，${fmtTime(v.deployedAt)}${v.deployedBy ? `，${personName(v.deployedBy, v.deployedByName)}` : ''}）`,
      `In use: ${serverText(v.name) || v.key} v${v.version} (${scopeLabel(v)}, ${fmtTime(v.deployedAt)}${v.deployedBy ? `, ${personName(v.deployedBy, v.deployedByName)}` : ''})`,
    )
  clear(
    status,
    h('span', { class: 'muted', 'data-testid': 'decision-version' }, describe(current)),
    // Stored before one of today's checks and failing it: shown so that it can be mended.
    current.problem
      ? h(
          'div',
          { class: 'alert error', role: 'alert', 'data-testid': 'decision-problem' },
          t('此版本部署于当前检查之前，未通过检查（修改后重新部署）：', 'This version was deployed before a check it now fails (mend it and deploy again): '),
          messageText(current.problem),
        )
      : null,
  )

  // The version the scope uses, as deployed, is what the server evaluates: a deploy here renews it.
  const mountTry = (v: DecisionVersion) =>
    clear(
      trying,
      v.decisions.length && !v.problem
        ? tryPanel({ key, tenant: isAdmin ? tenant || null : undefined, version: v, decisions: v.decisions as unknown as DecisionInfo[] })
        : null,
    )
  mountTry(current)

  await loadCss('/dmn.css')
  const { createDmnEditor } = await import('../dmn-editor.js')
  if (!ctx.alive()) return
  clear(editorEl)
  const editor = createDmnEditor(editorEl)
  onLeave(() => editor.destroy())
  try {
    await editor.importXML(current.xml)
  } catch (err) {
    clear(status, errorBox(err))
  }

  deployBtn.onclick = async () => {
    deployBtn.disabled = true
    try {
      const xml = await editor.saveXML()
      const res = await post<Answer<'/api/decisions', 'post'>>('/api/decisions', { xml, tenant: isAdmin ? tenant || null : undefined })
      clear(
        status,
        h(
          'div',
          { class: 'alert ok', 'data-testid': 'decision-deployed' },
          t(`已部署 ${res.key} v${res.version}（${scopeLabel(res)}）`, `Deployed ${res.key} v${res.version} (${scopeLabel(res)})`),
        ),
      )
      toast(t('部署成功', 'Deployed'))
      void get<DecisionVersion>(`/api/decisions/key/${encodeURIComponent(key)}${qs({ tenant: isAdmin ? tenant || undefined : undefined })}`).then(
        mountTry,
        () => clear(trying),
      )
    } catch (err) {
      clear(
        status,
        h(
          'div',
          { class: 'alert error', 'data-testid': 'decision-error' },
          t('未部署：', 'Not deployed: '),
          err instanceof ApiError ? messageText(err) : errorText(err),
        ),
      )
    } finally {
      deployBtn.disabled = false
    }
  }
  // Wired to the editor now (disabled until then: an early click did nothing).
  deployBtn.disabled = false
}
