import type { Answer } from '../lib/api-types.js'
import { get, qs } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, t } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import { errorBox } from '../lib/ui.js'

type InForce = Answer<'/api/routing-rules/in-force'>
type Version = NonNullable<InForce['versions']>[number]

/**
 * What routing uses for the page's scope, as the server reports it (GET /api/routing-rules/in-force,
 * computed by routing's own code): the county's table then the city's. A table edited in the
 * decision editor, not this list, is called out, with a link to it, since the rules below then
 * do not decide (and saving the list replaces that table).
 */
export function inForceNotice(opts: { tenant: string; isAdmin: boolean }) {
  const box = h('div', { 'data-testid': 'rules-in-force' })
  const decisionLink = (v: Version) =>
    h(
      'a',
      { href: `/admin/decision${qs({ key: 'routing', tenant: opts.isAdmin ? (v.tenant ?? undefined) : undefined })}`, 'data-testid': 'in-force-open-decision' },
      t('打开该决策表', 'Open that decision table'),
    )
  const who = (v: Version) =>
    `${fmtTime(v.deployedAt)}${v.deployedBy ? t(`，${personName(v.deployedBy, v.deployedByName)}`, `, ${personName(v.deployedBy, v.deployedByName)}`) : ''}`
  const scopeName = (v: Version) =>
    v.tenant ? (opts.tenant ? t('本县', "the county's") : t(`县级 ${v.tenant}`, `county ${v.tenant}`)) : t('全市', "the city's")
  const line = (v: Version) => {
    const ref = t(`${scopeName(v)}派单决策表 v${v.version}（${who(v)}）`, `${scopeName(v)} routing decision table v${v.version} (${who(v)})`)
    if (!v.usable)
      return h(
        'p',
        { class: 'alert error', 'data-testid': 'in-force-unusable' },
        t(`${ref}未通过当前的检查，派单跳过它。`, `${ref} fails today's checks: routing skips it.`),
        ' ',
        decisionLink(v),
      )
    if (!v.fromRules) {
      const own = (v.tenant ?? '') === opts.tenant
      return h(
        'p',
        { class: 'alert error', 'data-testid': 'in-force-edited' },
        own
          ? t(
              `派单使用${ref}，它在决策表编辑器中修改过，与下面的规则列表不同：下面的规则目前不生效。保存此列表会用这些规则替换该决策表。`,
              `Routing uses ${ref}, edited in the decision table editor and different from the list below: the rules below are not in force. Saving this list replaces that table with them.`,
            )
          : t(
              `${ref}在决策表编辑器中修改过，与下面列出的全市规则不同：本县规则都不匹配时，派单按该决策表进行。`,
              `${ref} was edited in the decision table editor and differs from the city rules listed below: when none of the county's rules match, routing follows that table.`,
            ),
        ' ',
        decisionLink(v),
      )
    }
    return null
  }
  const summary = (versions: Version[]) => {
    const usable = versions.filter((v) => v.usable)
    if (!usable.length) return t('没有可用的派单决策表：案件由调度员分派。', 'No routing decision table is usable: dispatchers assign the cases.')
    const part = (v: Version) =>
      v.fromRules
        ? t(`${v.tenant ? '本县' : '全市'}规则（决策表 v${v.version}）`, `${v.tenant ? "the county's" : "the city's"} rules (decision table v${v.version})`)
        : t(
            `${v.tenant ? '本县' : '全市'}决策表 v${v.version}（在编辑器中修改）`,
            `${v.tenant ? "the county's" : "the city's"} decision table v${v.version} (edited in the editor)`,
          )
    return usable.length > 1
      ? t(
          `派单现在依次使用：${part(usable[0])}，都不匹配时${part(usable[1])}。`,
          `Routing now uses ${part(usable[0])}, then, when none match, ${part(usable[1])}.`,
        )
      : t(`派单现在使用：${part(usable[0])}。`, `Routing now uses ${part(usable[0])}.`)
  }
  const load = async () => {
    try {
      const r = await get<InForce>(`/api/routing-rules/in-force${qs({ tenant: opts.isAdmin ? opts.tenant : undefined })}`)
      const versions = r.versions ?? []
      clear(box, h('p', { class: 'muted', 'data-testid': 'in-force-summary' }, summary(versions)), versions.map(line))
    } catch (err) {
      clear(box, errorBox(err))
    }
  }
  void load()
  return { el: box, reload: load }
}
