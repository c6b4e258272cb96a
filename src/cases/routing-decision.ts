import type { Db, Trx } from '../lib/db.js'
import { badRequest, HttpError, msg, problem, type Msg } from '../lib/errors.js'
import type { DecisionService } from '../decisions/service.js'
import type { Drg, Evaluation } from '../decisions/dmn.js'
import { DmnError, evaluateDecision, parseDmn } from '../decisions/dmn.js'
import { LEVELS, PROCEDURES, durationProblem, type RuleInput, type RuleRow } from './routing.js'

/**
 * Routing as the DMN decision `routing` (src/decisions/): category × category group × region ×
 * urgency → owner, level, procedure, response limit, resolve limit. Hit policy FIRST over rules
 * ordered most specific first keeps `pickRule`'s meaning (a sub-category's rule before its
 * group's, a deeper region's before a shallower one's, then the order the administrator gave);
 * a county's own version is tried first and the city's catches what it does not cover, as a
 * county rule used to win over the city's.
 */
export const ROUTING_KEY = 'routing'
export const ROUTING_OUTPUTS = ['owner', 'level', 'procedure', 'responseLimit', 'resolveLimit'] as const

export interface RoutingHit {
  /** The rule's id in the table (`rule_<uuid>` for tables made from routing_rules rows: the row's id after the prefix). */
  ruleId: string
  owner: string
  level: string | null
  procedure: string | null
  responseLimit: string | null
  resolveLimit: string | null
  /** The scope whose table matched ('' the city). */
  tenant: string
}

/** The rule's id as a case event records it: a routing_rules row's own id for tables made from those rows. */
export const ruleIdOf = (hit: RoutingHit | null): string | null => (hit ? hit.ruleId.replace(/^rule_(?=[0-9a-f-]{36}$)/, '') : null)

const REGION_DEPTH: Record<string, number> = { city: 1, county: 2, township: 3, village: 4, grid: 5 }

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const feelString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/**
 * A FIRST-hit DMN table made of routing rules (the seed's, or a scope's `routing_rules` rows):
 * what PUT /api/routing-rules deploys and what the conversion of an edited database writes.
 * `regionLevels` gives each rule region's level (its depth orders the rules); `parents` the
 * category codes that have sub-categories (a rule on one matches its sub-categories too).
 */
export function rulesToDmn(
  rules: (RuleInput & { id?: string })[],
  opts: { regionLevels?: Map<string, string>; parents?: Set<string>; name?: string } = {},
): string {
  const depth = (r: RuleInput) => [r.category ? r.category.split('.').length : 0, r.region ? (REGION_DEPTH[opts.regionLevels?.get(r.region) ?? ''] ?? 1) : 0]
  const ordered = rules.map((r, i) => ({ r, i, d: depth(r) })).sort((a, b) => b.d[0] - a.d[0] || b.d[1] - a.d[1] || a.i - b.i)
  const ruleXml = ordered
    .map(({ r, i }) => {
      const id = r.id && /^[0-9a-f-]{36}$/.test(r.id) ? `rule_${r.id}` : `rule_${i + 1}`
      let category = '-'
      let group = '-'
      if (r.category && !r.category.includes('.')) group = feelString(r.category)
      else if (r.category)
        category = opts.parents?.has(r.category) ? `${feelString(r.category)}, starts with(?, ${feelString(r.category + '.')})` : feelString(r.category)
      const region = r.region ? `list contains(?, ${feelString(r.region)})` : '-'
      const out = (v: string | null | undefined) => (v ? feelString(v) : '')
      const entries = [category, group, region, '-'].map((t) => `<inputEntry><text>${xmlText(t)}</text></inputEntry>`).join('')
      const outputs = [r.owner, r.level, r.procedure, r.responseLimit, r.resolveLimit]
        .map((v) => `<outputEntry><text>${xmlText(out(v))}</text></outputEntry>`)
        .join('')
      return `      <rule id="${id}">${entries}${outputs}</rule>`
    })
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="routing_definitions" name="${xmlText(opts.name ?? '派单规则 / Routing')}" namespace="https://shuoshi.example/dmn">
  <decision id="${ROUTING_KEY}" name="派单 / Routing">
    <decisionTable id="routing_table" hitPolicy="FIRST">
      <input id="in_category" label="分类 / Category"><inputExpression id="in_category_expr" typeRef="string"><text>category</text></inputExpression></input>
      <input id="in_group" label="大类 / Category group"><inputExpression id="in_group_expr" typeRef="string"><text>categoryGroup</text></inputExpression></input>
      <input id="in_region" label="地区 / Region"><inputExpression id="in_region_expr"><text>regions</text></inputExpression></input>
      <input id="in_urgency" label="紧急程度 / Urgency"><inputExpression id="in_urgency_expr" typeRef="string"><text>urgency</text></inputExpression></input>
      <output id="out_owner" label="承办单位 / Owner" name="owner" typeRef="string" />
      <output id="out_level" label="层级 / Level" name="level" typeRef="string" />
      <output id="out_procedure" label="流程 / Procedure" name="procedure" typeRef="string" />
      <output id="out_response" label="响应时限 / Response limit" name="responseLimit" typeRef="string" />
      <output id="out_resolve" label="办结时限 / Resolve limit" name="resolveLimit" typeRef="string" />
${ruleXml}
    </decisionTable>
  </decision>
</definitions>
`
}

/** The decision's inputs for a case: its category, the category's top group, the region codes of its path, urgency. */
export function routingInputs(category: string, path: string, urgency: string) {
  return { category, categoryGroup: category.split('.')[0], regions: path.split('/').filter(Boolean), urgency }
}

function hitOf(e: Evaluation, tenant: string): RoutingHit | null {
  const entry = e.entries[0]
  if (!entry || !e.matchedRules.length) return null
  const s = (v: unknown) => (typeof v === 'string' && v ? v : null)
  const owner = s(entry.owner)
  if (!owner) return null
  return {
    ruleId: e.matchedRules[0],
    owner,
    level: s(entry.level),
    procedure: s(entry.procedure),
    responseLimit: s(entry.responseLimit),
    resolveLimit: s(entry.resolveLimit),
    tenant,
  }
}

/**
 * The rule a case is routed by: the county's own newest version first, then the city's.
 * The versions' ids are kept per node (ResourceStore.newestHeads), the parsed tables per version id.
 */
export async function routingHit(
  db: Db | Trx,
  decisions: DecisionService,
  input: { category: string; path: string; tenant: string; urgency: string },
  /** Told of a version skipped because it no longer passes today's checks (see below). */
  unusable?: (versionId: string, err: HttpError) => void,
): Promise<RoutingHit | null> {
  const inputs = routingInputs(input.category, input.path, input.urgency)
  for (const head of await decisions.resources.newestHeads('decision', ROUTING_KEY, input.tenant, db)) {
    let drg: Drg
    try {
      drg = await decisions.loadId(head.id, db)
    } catch (err) {
      // A version stored before one of today's checks existed and failing it (DecisionService.load):
      // the next version routes the case (the city's after a county's), or with none left the
      // dispatcher decides, as for a case no rule covers. A citizen's petition is never refused
      // for an administrator's table, which answered 500 to every petition of the county.
      if (!(err instanceof HttpError)) throw err
      unusable?.(head.id, err)
      continue
    }
    const hit = hitOf(evaluateDecision(drg, inputs), head.tenant)
    if (hit) return hit
  }
  return null
}

/** A FEEL name alone in a cell (letters of any script, digits, underscores; no operator, quote or call). */
const BARE_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u
/** What a routing table's cells may read (routingInputs), and FEEL's own words. */
const ROUTING_INPUT_NAMES = new Set(Object.keys(routingInputs('a.b', '/x', 'normal')))
const FEEL_WORDS = new Set(['null', 'true', 'false'])

/**
 * The deploy check of `routing`: the outputs a case needs exist, and each rule's owner, level,
 * procedure and limits are ones intake can use (a county's table names units serving the county).
 * Literal outputs only are checked; a computed one is checked when a case meets it.
 */
export async function checkRoutingDecision(drg: Drg, ctx: { tenant: string; db: Db | Trx }, servesCounty: (unitPath: string, countyPath: string) => boolean) {
  const d = drg.decisions.get(ROUTING_KEY)
  const names = d?.table?.outputs.map((o) => o.name) ?? []
  if (!d?.table || ROUTING_OUTPUTS.some((n) => !names.includes(n))) throw badRequest(msg('error.dmn.routingColumns', { names: ROUTING_OUTPUTS.join(', ') }))
  const countyPath = ctx.tenant ? ((await ctx.db('regions').where({ code: ctx.tenant }).first('path'))?.path ?? null) : null
  const found: Msg[] = []
  const details: ReturnType<typeof problem>[] = []
  const add = (m: Msg, rule: string, field: string) => {
    found.push(m)
    details.push(problem(m, { rule, field }))
  }
  for (const r of d.table.rules) {
    for (const [k, name] of names.entries()) {
      const text = (r.outputTexts[k] ?? '').trim()
      // A bare word (P3D, county, 香河) is FEEL for a variable: none of the table's inputs has
      // that name, so the cell gave null and routing quietly used the category's defaults.
      if (BARE_NAME.test(text) && !ROUTING_INPUT_NAMES.has(text) && !FEEL_WORDS.has(text)) {
        add(msg('error.dmn.routingBareName', { rule: r.id, field: name, value: text }), r.id, name)
        continue
      }
      const lit = /^"([^"\\]*)"$/.exec(text)
      if (!lit) continue
      const v = lit[1]
      if (name === 'owner') {
        if (/^@(grid|village|centre|(township|county|city):[a-z0-9_-]+)$/.test(v)) continue
        const unit = await ctx.db('org_units as u').join('regions as g', 'g.code', 'u.region_code').where('u.code', v).first('g.path')
        if (!unit || (countyPath && !servesCounty(unit.path, countyPath))) add(msg('error.dmn.routingOwner', { rule: r.id, owner: v }), r.id, name)
      } else if (name === 'level' && !(LEVELS as readonly string[]).includes(v))
        add(msg('error.dmn.routingValue', { rule: r.id, field: name, value: v }), r.id, name)
      else if (name === 'procedure' && !(PROCEDURES as readonly string[]).includes(v))
        add(msg('error.dmn.routingValue', { rule: r.id, field: name, value: v }), r.id, name)
      else if (name === 'responseLimit' || name === 'resolveLimit') {
        const bad = durationProblem(v)
        if (bad?.key === 'error.case.durationLong') add(msg('error.dmn.routingLimitLong', { rule: r.id, field: name, value: v }), r.id, name)
        else if (bad) add(msg('error.dmn.routingValue', { rule: r.id, field: name, value: v }), r.id, name)
      }
    }
  }
  if (found.length) throw badRequest(found[0], details)
}

type RuleRowShape = Pick<RuleRow, 'id' | 'category' | 'region' | 'owner' | 'level' | 'procedure' | 'response_limit' | 'resolve_limit'>

/** Rows of `routing_rules` (one scope, in their order) as the DMN table a save deploys. */
async function rulesXml(db: Db | Trx, rows: RuleRowShape[]): Promise<string> {
  const regionCodes = [...new Set(rows.map((r) => r.region).filter((r): r is string => !!r))]
  const regionLevels = new Map<string, string>(
    regionCodes.length
      ? (await db('regions').whereIn('code', regionCodes).select('code', 'level')).map((r: { code: string; level: string }) => [r.code, r.level])
      : [],
  )
  const parents = new Set<string>(
    (await db('categories').whereNotNull('parent_code').distinct('parent_code')).map((r: { parent_code: string }) => r.parent_code),
  )
  return rulesToDmn(
    rows.map((r) => ({
      id: r.id,
      category: r.category,
      region: r.region,
      owner: r.owner,
      level: r.level,
      procedure: r.procedure,
      responseLimit: r.response_limit,
      resolveLimit: r.resolve_limit,
    })),
    { regionLevels, parents },
  )
}

/** Rows of `routing_rules` (one scope, in their order) as a decision version of that scope, in `trx`. */
export async function deployRules(trx: Trx, decisions: DecisionService, tenant: string, rows: RuleRowShape[], actor: string) {
  return decisions.deploy(await rulesXml(trx, rows), { tenant, actor, trx })
}

/** What a routing table decides by: its columns and each rule's entries as written, in order (not ids or layout). */
function tableShape(drg: Drg): string | null {
  const table = drg.decisions.get(ROUTING_KEY)?.table
  if (!table) return null
  const cells = (texts: string[]) => texts.map((x) => x.trim())
  return JSON.stringify([
    table.hitPolicy,
    table.inputs.map((c) => c.name),
    table.outputs.map((c) => c.name),
    table.rules.map((r) => [cells(r.inputTexts), cells(r.outputTexts)]),
  ])
}

/** The shape of the table a save of `rows` deploys (null if they no longer make a valid one). */
async function rulesShape(db: Db | Trx, rows: RuleRowShape[]): Promise<string | null> {
  try {
    return tableShape(await parseDmn(await rulesXml(db, rows)))
  } catch (err) {
    if (err instanceof HttpError || err instanceof DmnError) return null
    throw err
  }
}

/** A routing version in force for a scope, in the order routing tries them. */
export interface RoutingInForce {
  id: string
  /** The version's scope: null the city's. */
  tenant: string | null
  version: number
  name: string | null
  deployedAt: string
  deployedBy: string | null
  /** The version decides as that scope's rule list does (saved from it, or the same rules). */
  fromRules: boolean
  /** False when it fails today's checks: routing skips it (see routingHit). */
  usable: boolean
}

/**
 * The routing versions a case of `tenant` meets, in routingHit's order (the county's newest, then
 * the city's: the same heads it reads), each with whether it is that scope's rule list — an
 * administrator editing the list must see when a table edited in the decision editor is in force
 * instead — and whether routing can use it at all.
 */
export async function routingInForce(db: Db | Trx, decisions: DecisionService, tenant: string): Promise<RoutingInForce[]> {
  const heads = await decisions.resources.newestHeads('decision', ROUTING_KEY, tenant, db)
  const out: RoutingInForce[] = []
  for (const head of heads) {
    let drg: Drg | null = null
    try {
      drg = await decisions.loadId(head.id, db)
    } catch (err) {
      if (!(err instanceof HttpError)) throw err
    }
    const rows: RuleRow[] = await db('routing_rules').where({ tenant: head.tenant }).orderBy('sort')
    const shape = drg && tableShape(drg)
    const fromRules = !!shape && rows.length > 0 && shape === (await rulesShape(db, rows))
    out.push({
      id: head.id,
      tenant: head.tenant || null,
      version: head.version,
      name: head.name,
      deployedAt: head.deployed_at,
      deployedBy: head.deployed_by,
      fromRules,
      usable: !!drg,
    })
  }
  return out
}

/**
 * Once, on a database that routed by `routing_rules` before decisions existed: each scope whose
 * rules an administrator set (a county's, or the city's when they differ from the seed) and that
 * has no `routing` decision yet becomes that scope's first version, so nothing set is lost. The
 * city's seeded rules are left to the shipped `processes/decisions/routing.dmn` (the same table).
 */
export async function convertRoutingRules(db: Db, decisions: DecisionService, seeded: readonly RuleInput[]): Promise<number> {
  const rows: RuleRow[] = await db('routing_rules').orderBy([{ column: 'tenant' }, { column: 'sort' }])
  const byTenant = new Map<string, RuleRow[]>()
  for (const r of rows) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r])
  const norm = (r: {
    category?: string | null
    region?: string | null
    owner: string
    level?: string | null
    procedure?: string | null
    responseLimit?: string | null
    resolveLimit?: string | null
  }) => JSON.stringify([r.category ?? null, r.region ?? null, r.owner, r.level ?? null, r.procedure ?? null, r.responseLimit ?? null, r.resolveLimit ?? null])
  const seed = seeded.map(norm).join('\n')
  let n = 0
  for (const [tenant, list] of byTenant) {
    if (tenant === '' && list.map((r) => norm({ ...r, responseLimit: r.response_limit, resolveLimit: r.resolve_limit })).join('\n') === seed) continue
    await db.transaction(async (trx) => {
      if (await trx('resource_definitions').where({ kind: 'decision', key: ROUTING_KEY, tenant }).first('id')) return
      const r = await deployRules(trx, decisions, tenant, list, 'system')
      if (r.created) n++
    })
  }
  return n
}
