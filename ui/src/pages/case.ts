import { h } from '../lib/dom.js'
import { t } from '../lib/i18n.js'
import type { Ctx } from '../lib/router.js'

export function casePage(ctx: Ctx) {
  ctx.view.append(h('p', null, t('建设中', 'Coming soon')))
}
