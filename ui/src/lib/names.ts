/**
 * Names for the codes a page holds (categories, regions, units, routing tokens), in the chosen
 * language: a reader sees 宅基地与土地纠纷, not `neighbour.land`. Loaded once per page view.
 */
import { get } from './api.js'
import { LEVEL, named, t, tr } from './i18n.js'

type Named = { code: string; name: string; nameEn?: string | null }
/** A category of the administrators' /api/categories: every one, withdrawn ones too. */
type AdminCategory = Named & { inForce: boolean }
/** A category of /api/public/categories with its subcategories (the schema leaves `children` open). */
type CategoryNode = Named & { children?: CategoryNode[] }

/** What a county department or township section does (the `duty` of `@county:<duty>`). */
export const DUTY: Record<string, [string, string]> = {
  general: ['综合', 'general'],
  land: ['自然资源', 'natural resources'],
  environment: ['生态环境', 'environment'],
  housing: ['住房建设', 'housing'],
  civil: ['民政', 'civil affairs'],
  water: ['水务', 'water'],
  power: ['供电', 'power'],
  gas: ['燃气', 'gas'],
  police: ['公安', 'public security'],
  emergency: ['应急管理', 'emergency management'],
  market: ['市场监管', 'market supervision'],
  transport: ['交通运输', 'transport'],
  urban: ['城市管理', 'urban management'],
  health: ['卫生健康', 'health'],
  hr: ['人力社保', 'human resources'],
  court: ['法院', 'court'],
  justice: ['司法', 'justice'],
  planning: ['规划', 'planning'],
  safety: ['安全', 'safety'],
  agriculture: ['农业农村', 'agriculture'],
  petition: ['信访', 'letters and visits'],
}

export const ROLE: Record<string, [string, string]> = {
  admin: ['系统管理员', 'Administrator'],
  county_admin: ['县级管理员', 'County administrator'],
  dispatcher: ['调度员', 'Dispatcher'],
  handler: ['办理人员', 'Handler'],
  leader: ['领导', 'Leader'],
  supervisor: ['督办员', 'Supervisor'],
  callback: ['回访员', 'Callback staff'],
  grid_worker: ['网格员', 'Grid worker'],
  grid_leader: ['网格长', 'Grid leader'],
}

export interface Names {
  /** A candidate group (unit:CODE, role@CODE, role:ROLE) as a reader says it. */
  group(token: string): string
  category(code: string | null | undefined): string
  /**
   * Whether a category takes no new petitions (withdrawn, or under a withdrawn one). Known only
   * with `withdrawnCategories`: the public tree leaves such categories out, and their names too.
   */
  categoryWithdrawn(code: string | null | undefined): boolean
  region(code: string | null | undefined): string
  /** A unit code or a routing token (@grid, @county:land…). */
  owner(code: string | null | undefined): string
}

/**
 * `withdrawnCategories` (an administrator's page: /api/categories needs county_admin) names the
 * withdrawn categories too, which rules and old cases may still hold; without it, or where the
 * list is refused, categories are the public tree's.
 */
export async function loadNames(opts: { units?: boolean; regions?: string[]; withdrawnCategories?: boolean } = {}): Promise<Names> {
  const cats = new Map<string, Named>()
  const withdrawn = new Set<string>()
  const units = new Map<string, Named>()
  const regions = new Map<string, Named>()
  const walk = (nodes: CategoryNode[] | undefined) => {
    for (const n of nodes ?? []) {
      cats.set(n.code, n)
      walk(n.children)
    }
  }
  const loadCategories = async () => {
    if (opts.withdrawnCategories) {
      const all = await get<AdminCategory[]>('/api/categories').catch(() => null)
      if (all) {
        for (const c of all) {
          cats.set(c.code, c)
          if (!c.inForce) withdrawn.add(c.code)
        }
        return
      }
    }
    await get<CategoryNode[]>('/api/public/categories').then(walk, () => {})
  }
  await Promise.all([
    loadCategories(),
    opts.units
      ? get<Named[]>('/api/org/units').then(
          (us) => us.forEach((u) => units.set(u.code, u)),
          () => {},
        )
      : null,
    ...[...new Set(opts.regions ?? [])].map((code) =>
      get<Named>(`/api/org/regions/${encodeURIComponent(code)}`).then(
        (r) => regions.set(code, r),
        () => {},
      ),
    ),
  ])
  const owner = (code: string | null | undefined) => {
    if (!code) return ''
    const m = /^@(\w+)(?::(\w+))?$/.exec(code)
    if (!m) return units.has(code) ? named(units.get(code)) : ''
    const [, where, duty] = m
    const place = where === 'centre' ? t('本地综治中心', 'the local governance centre') : tr(LEVEL, where)
    return duty ? t(`${place}·${tr(DUTY, duty)}`, `${place} · ${tr(DUTY, duty)}`) : place
  }
  const unitName = (code: string) => (units.has(code) ? named(units.get(code)) : code)
  const group = (token: string) => {
    const unit = /^unit:(.+)$/.exec(token)
    if (unit) return unitName(unit[1])
    const role = /^role:(\w+)$/.exec(token)
    if (role) return tr(ROLE, role[1])
    const at = /^(\w+)@(.+)$/.exec(token)
    if (at) return t(`${unitName(at[2])}${tr(ROLE, at[1])}`, `${tr(ROLE, at[1])} at ${unitName(at[2])}`)
    return token
  }
  return {
    group,
    category: (code) => (code && cats.has(code) ? named(cats.get(code)) : ''),
    categoryWithdrawn: (code) => !!code && withdrawn.has(code),
    region: (code) => (code && regions.has(code) ? named(regions.get(code)) : ''),
    owner,
  }
}
