import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { inSlices, nowIso, wherePrefix } from '../lib/db.js'
import { badRequest, forbidden, msg, notFound } from '../lib/errors.js'
import { bilingual as bilingualMessage } from '../messages/index.js'
import { IdempotencyStore } from '../cases/idempotency.js'
import { STATUS_NAMES, URGENCIES, PETITIONER_TYPES, type CaseRow, type IntakeInput } from '../cases/service.js'
import type { CategoryRow } from '../cases/routing.js'
import { inForce } from '../cases/category-tree.js'
import type { Open311Client } from './keys.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { publicEventMessage } from '../messages/index.js'

/** The channel Open311 requests arrive on (src/cases CHANNELS). */
export const OPEN311_CHANNEL = 'open311'

/**
 * Top-level categories whose cases from other channels are not listed through Open311: family
 * conflicts, social assistance and unpaid wages are about identifiable people even without a
 * name. A request submitted through Open311 itself is listed whatever its category (its client
 * published it).
 */
export const PRIVATE_CATEGORY_ROOTS = ['neighbour', 'social', 'labour']

/** The standard's default and largest window and page (GeoReport v2, GET service requests). */
export const WINDOW_DAYS = 90
export const PAGE_LIMIT = 1000
const DAY_MS = 86_400_000

export interface Jurisdiction {
  code: string
  path: string
  level: string
  name: string
}

export interface SubmitBody {
  api_key?: string
  jurisdiction_id?: string
  service_code: string
  lat?: number
  long?: number
  address_string?: string
  address_id?: string
  email?: string
  device_id?: string
  account_id?: string
  first_name?: string
  last_name?: string
  phone?: string
  description?: string
  media_url?: string
  attribute?: Record<string, string | string[]>
}

export interface RequestsQuery {
  jurisdiction_id?: string
  service_request_id?: string
  service_code?: string
  start_date?: string
  end_date?: string
  status?: string
}

type Attribute = {
  variable: boolean
  code: string
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist'
  required: boolean
  datatype_description: string | null
  order: number
  description: string
  values?: { key: string; name: string }[]
}

const URGENCY_NAMES: Record<string, string> = { normal: '一般 / Normal', urgent: '紧急 / Urgent', emergency: '特急 / Emergency' }
const PETITIONER_NAMES: Record<string, string> = { person: '个人 / Person', legal_person: '法人 / Legal person', organisation: '组织 / Organisation' }
const bilingual = (name: string, en: string | null) => (en ? `${name} / ${en}` : name)
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

/**
 * GeoReport v2 over cases: services are the category tree's leaves, a request is a case made
 * by the same intake as the citizens' form, and reads show public fields only
 * (src/open311/README.md has the mapping and the reasons).
 */
export class Open311Service {
  private readonly keys: IdempotencyStore

  constructor(private readonly app: FastifyInstance) {
    this.keys = new IdempotencyStore(app.db)
  }

  private get db(): Db {
    return this.app.db
  }

  /**
   * `jurisdiction_id` is the code of a city or county region. Without one: the client's own
   * jurisdiction, else the one top region (the city) when there is exactly one. A key bound to a
   * jurisdiction submits to it alone (403 elsewhere).
   */
  async jurisdiction(code: string | undefined, client?: Open311Client | null, opts: { submitting?: boolean } = {}): Promise<Jurisdiction> {
    const wanted = code ?? client?.jurisdiction ?? undefined
    if (wanted === undefined) {
      const roots = await this.db('regions').whereNull('parent_code').orderBy('code').limit(2).select('code', 'path', 'level', 'name')
      if (roots.length !== 1) throw badRequest(msg('error.open311.jurisdictionRequired'))
      return roots[0]
    }
    const row = await this.db('regions').where({ code: wanted }).first('code', 'path', 'level', 'name')
    if (!row || !['city', 'county'].includes(row.level)) throw notFound(msg('error.open311.jurisdictionNotFound', { jurisdiction: wanted }))
    // A key bound to a county files requests there only; reading is public anyway.
    if (opts.submitting && client?.jurisdiction && client.jurisdiction !== row.code)
      throw forbidden(msg('error.open311.otherJurisdiction', { jurisdiction: client.jurisdiction }))
    return row
  }

  // ── services ────────────────────────────────────────────────────────────────

  /**
   * Categories in force that have none in force below them: what a request can be filed under.
   * One under a withdrawn category is withdrawn with it (category-tree.ts), as intake refuses it.
   */
  private async leaves(): Promise<{ leaf: CategoryRow; parent: CategoryRow | null }[]> {
    const all: CategoryRow[] = await this.db('categories').orderBy([{ column: 'sort' }, { column: 'code' }])
    const shown = inForce(all)
    const rows = all.filter((r) => shown.has(r.code))
    const byCode = new Map(rows.map((r) => [r.code, r]))
    const parents = new Set(rows.map((r) => r.parent_code).filter(Boolean))
    return rows.filter((r) => !parents.has(r.code)).map((leaf) => ({ leaf, parent: leaf.parent_code ? (byCode.get(leaf.parent_code) ?? null) : null }))
  }

  async services() {
    return (await this.leaves()).map(({ leaf, parent }) => ({
      service_code: leaf.code,
      service_name: bilingual(leaf.name, leaf.name_en),
      description: leaf.name_en ?? leaf.name,
      metadata: true,
      type: 'realtime' as const,
      keywords: [leaf.name, leaf.name_en, parent?.name, parent?.name_en].filter(Boolean).join(','),
      group: parent ? bilingual(parent.name, parent.name_en) : bilingual(leaf.name, leaf.name_en),
    }))
  }

  private async service(code: string) {
    const found = (await this.leaves()).find((l) => l.leaf.code === code)
    if (!found) throw notFound(msg('error.open311.serviceNotFound', { service: code }))
    return found.leaf
  }

  /**
   * The attributes are the fields of the citizens' petition form that the standard has no
   * parameter for: where inside the jurisdiction (region), a title, the urgency and who the
   * petitioner is. The same for every service: categories have no fields of their own.
   */
  async definition(j: Jurisdiction, code: string) {
    await this.service(code)
    return { service_code: code, attributes: await this.attributes(j) }
  }

  private async attributes(j: Jurisdiction): Promise<Attribute[]> {
    const q = this.db('regions').whereNot('code', j.code).orderBy('path').select('code', 'name', 'name_en')
    wherePrefix(this.db, q, 'path', j.path)
    const regions: { code: string; name: string; name_en: string | null }[] = await q
    return [
      {
        variable: true,
        code: 'region',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '区域代码 / a region code',
        order: 1,
        description: `事发地所在的乡镇、村或网格；不填则为${j.name} / the township, village or grid where it is; the whole jurisdiction when not given`,
        values: regions.map((r) => ({ key: r.code, name: bilingual(r.name, r.name_en) })),
      },
      {
        variable: true,
        code: 'title',
        datatype: 'string',
        required: false,
        datatype_description: '最多 200 个字符 / up to 200 characters',
        order: 2,
        description: '标题；不填则取描述的开头 / a title; the start of the description when not given',
      },
      {
        variable: true,
        code: 'urgency',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: null,
        order: 3,
        description: '紧急程度，默认一般 / urgency, normal when not given',
        values: URGENCIES.map((u) => ({ key: u, name: URGENCY_NAMES[u] ?? u })),
      },
      {
        variable: true,
        code: 'petitioner_type',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: null,
        order: 4,
        description: '反映人类型，默认个人 / who is asking, a person when not given',
        values: PETITIONER_TYPES.map((p) => ({ key: p, name: PETITIONER_NAMES[p] ?? p })),
      },
    ]
  }

  // ── POST requests ───────────────────────────────────────────────────────────

  /** Checks the attributes against the service definition; the values the intake takes. */
  private async checkAttributes(j: Jurisdiction, given: Record<string, string | string[]> | undefined) {
    const defs = await this.attributes(j)
    const out: Record<string, string> = {}
    for (const [code, value] of Object.entries(given ?? {})) {
      const def = defs.find((d) => d.code === code)
      if (!def) throw badRequest(msg('error.open311.unknownAttribute', { attribute: `attribute[${code}]` }), [{ path: `attribute/${code}` }])
      if (Array.isArray(value)) throw badRequest(msg('error.open311.attributeOneValue', { attribute: `attribute[${code}]` }), [{ path: `attribute/${code}` }])
      if (def.values && !def.values.some((v) => v.key === value))
        throw badRequest(msg('error.open311.attributeNotListed', { attribute: `attribute[${code}]` }), [{ path: `attribute/${code}` }])
      if (code === 'title' && [...value].length > 200) throw badRequest(msg('error.open311.titleTooLong', { max: 200 }), [{ path: 'attribute/title' }])
      if (value !== '') out[code] = value
    }
    return out
  }

  /**
   * Files a request as a case through CaseService.intake — the citizens' form's validation,
   * routing, procedure start and transaction — and, in that transaction, the Open311 row.
   * An `Idempotency-Key` works as on the citizens' form, per client key.
   */
  async submit(client: Open311Client, body: SubmitBody, idempotencyKey: string | undefined) {
    const j = await this.jurisdiction(body.jurisdiction_id, client, { submitting: true })
    const hasPoint = body.lat !== undefined || body.long !== undefined
    if (hasPoint && (body.lat === undefined || body.long === undefined))
      throw badRequest(msg('error.open311.latLong'), [{ path: body.lat === undefined ? 'lat' : 'long' }])
    if (!hasPoint && !body.address_string?.trim() && !body.address_id?.trim()) {
      throw badRequest(msg('error.open311.locationRequired'), [{ path: 'lat' }])
    }
    if (body.media_url && !/^https?:\/\//i.test(body.media_url)) throw badRequest(msg('error.open311.mediaUrl'), [{ path: 'media_url' }])
    const service = await this.service(body.service_code).catch(() => {
      throw badRequest(msg('error.open311.serviceNotFound', { service: body.service_code }), [{ path: 'service_code' }])
    })
    const attrs = await this.checkAttributes(j, body.attribute)
    const name = [body.first_name?.trim(), body.last_name?.trim()].filter(Boolean).join(' ')
    if ([...name].length > 100) throw badRequest(msg('error.open311.nameTooLong', { max: 100 }), [{ path: 'last_name' }])
    const phone = body.phone?.trim() || undefined
    const anonymous = !name && !phone
    const input: IntakeInput = {
      channel: OPEN311_CHANNEL,
      ...(attrs.title && { title: attrs.title }),
      // The standard's description is optional, the case's is not: the service's name stands in.
      description: body.description?.trim() ? body.description : bilingual(service.name, service.name_en),
      category: service.code,
      regionCode: attrs.region ?? j.code,
      ...(body.address_string?.trim() && { address: body.address_string.trim() }),
      ...(hasPoint && { lat: body.lat, lng: body.long }),
      ...(attrs.urgency && { urgency: attrs.urgency }),
      petitioner: { type: attrs.petitioner_type ?? 'person', ...(name && { name }), ...(phone && { phone }), anonymous },
    }
    const token = randomBytes(16).toString('base64url')
    const { api_key: _key, ...hashed } = body
    const done = await this.keys.run(
      { scope: `open311:${client.id}`, key: idempotencyKey, body: hashed },
      (row) => [
        {
          service_request_id: row.case_no,
          token,
          service_notice: bilingualMessage('open311.serviceNotice', { due: row.resolve_due_at }),
          // Not a GeoReport field: the code the citizen's tracking page and evaluation take, with the number.
          tracking_code: row.tracking_code,
        },
      ],
      (hooks) =>
        this.app.cases.intake(input, {
          actor: null,
          hooks: {
            claim: async (trx) => hooks?.claim(trx),
            record: async (trx, row) => {
              await this.record(trx, row, { client, j, token, body })
              await hooks?.record(trx, row)
            },
          },
        }),
    )
    return { answer: done.answer, replayed: done.replayed }
  }

  private async record(trx: Trx, row: CaseRow, ctx: { client: Open311Client; j: Jurisdiction; token: string; body: SubmitBody }) {
    await trx('open311_requests').insert({
      case_id: row.id,
      key_id: ctx.client.id,
      token: ctx.token,
      jurisdiction: ctx.j.code,
      media_url: ctx.body.media_url ?? null,
      address_id: ctx.body.address_id?.trim() || null,
      attributes: ctx.body.attribute ? JSON.stringify(ctx.body.attribute) : null,
      created_at: nowIso(),
    })
  }

  // ── GET requests ────────────────────────────────────────────────────────────

  /** The cases of a jurisdiction that Open311 lists (README: which, and why). */
  private visible(j: Jurisdiction): Knex.QueryBuilder {
    const q = this.db('cases').leftJoin('open311_requests as o', 'o.case_id', 'cases.id')
    wherePrefix(this.db, q, 'cases.region_path', j.path)
    q.where((w) => {
      w.whereNotNull('o.case_id').orWhere((p) => {
        for (const root of PRIVATE_CATEGORY_ROOTS) p.whereNot('cases.category', root).whereNot((x) => wherePrefix(this.db, x, 'cases.category', `${root}.`))
      })
    })
    return q.select('cases.*', 'o.case_id as o_case_id', 'o.media_url as o_media_url', 'o.address_id as o_address_id')
  }

  async requests(j: Jurisdiction, query: RequestsQuery) {
    const q = this.visible(j)
    const ids = list(query.service_request_id)
    if (ids.length) {
      // The standard: a list of ids overrides every other argument.
      if (ids.length > PAGE_LIMIT) throw badRequest(msg('error.open311.tooManyIds', { max: PAGE_LIMIT }), [{ path: 'service_request_id' }])
      q.whereIn('cases.case_no', ids)
    } else {
      const codes = list(query.service_code)
      if (codes.length) q.whereIn('cases.category', codes)
      const statuses = list(query.status)
      for (const s of statuses) if (s !== 'open' && s !== 'closed') throw badRequest(msg('error.open311.badStatus', { status: s }), [{ path: 'status' }])
      if (statuses.length === 1) q.where('cases.status', statuses[0] === 'closed' ? '=' : '<>', 'closed')
      const { start, end } = window(query.start_date, query.end_date)
      q.where('cases.created_at', '>=', start).where('cases.created_at', '<=', end)
    }
    q.orderBy([
      { column: 'cases.created_at', order: 'desc' },
      { column: 'cases.id', order: 'desc' },
    ]).limit(PAGE_LIMIT)
    return this.views(await q)
  }

  async request(j: Jurisdiction, caseNo: string) {
    const rows = await this.visible(j).where('cases.case_no', caseNo)
    if (!rows.length) throw notFound(msg('error.open311.requestNotFound', { id: caseNo }))
    return this.views(rows)
  }

  async token(j: Jurisdiction, token: string) {
    const q = this.db('open311_requests as o').join('cases', 'cases.id', 'o.case_id').where('o.token', token).first('cases.case_no', 'o.token')
    wherePrefix(this.db, q, 'cases.region_path', j.path)
    const row = await q
    if (!row) throw notFound(msg('error.open311.tokenNotFound'))
    return [{ service_request_id: row.case_no as string, token: row.token as string }]
  }

  /**
   * Public fields only: never the petitioner. Text and place (description, address, point,
   * media) only of requests made through Open311, whose clients published them; a case from
   * the hotline or a walk-in is listed by its service, status and dates.
   */
  private async views(rows: (CaseRow & { o_case_id: string | null; o_media_url: string | null; o_address_id: string | null })[]) {
    const cats = new Map<string, string>()
    const units = new Map<string, string>()
    const notes = new Map<string, string>()
    const catCodes = [...new Set(rows.map((r) => r.category))]
    const unitCodes = [...new Set(rows.map((r) => r.owner_unit).filter((u): u is string => !!u))]
    // Published: made through Open311's POST (its request row), not merely on that channel: staff
    // intake takes any channel, and what staff write down was never the citizen's to publish.
    const own = rows.filter((r) => r.o_case_id !== null).map((r) => r.id)
    for (const c of await inSlices(catCodes, (slice) =>
      this.db('categories').whereIn('code', slice).select<{ code: string; name: string; name_en: string | null }[]>('code', 'name', 'name_en'),
    ))
      cats.set(c.code, bilingual(c.name, c.name_en))
    for (const u of await inSlices(unitCodes, (slice) => this.db('org_units').whereIn('code', slice).select<{ code: string; name: string }[]>('code', 'name')))
      units.set(u.code, u.name)
    // Per slice in time order, so the last note a case gets is its latest public event.
    const events = await inSlices(own, (slice) =>
      this.db('case_events')
        .whereIn('case_id', slice)
        .where({ public: true })
        .orderBy([{ column: 'at' }, { column: 'id' }])
        .select<{ case_id: string; type: string; data: string | null }[]>('case_id', 'type', 'data'),
    )
    // What a citizen's tracking shows of the event, never its stored message (staff-only text).
    for (const e of events) notes.set(e.case_id, publicEventMessage(e.type, parseStoredJson(e.data) as Record<string, unknown> | null))
    return rows.map((r) => {
      const published = r.o_case_id !== null
      return {
        service_request_id: r.case_no,
        status: r.status === 'closed' ? ('closed' as const) : ('open' as const),
        status_notes: (published ? notes.get(r.id) : null) ?? STATUS_NAMES[r.status] ?? r.status,
        service_name: cats.get(r.category) ?? r.category,
        service_code: r.category,
        description: published ? r.description : null,
        agency_responsible: r.owner_unit ? (units.get(r.owner_unit) ?? null) : null,
        service_notice: null,
        requested_datetime: r.created_at,
        updated_datetime: r.updated_at,
        expected_datetime: r.resolve_due_at,
        address: published ? r.address : null,
        address_id: published ? r.o_address_id : null,
        zipcode: null,
        lat: published && r.lat != null ? Number(r.lat) : null,
        long: published && r.lng != null ? Number(r.lng) : null,
        media_url: published ? r.o_media_url : null,
      }
    })
  }
}

/** The standard's window: 90 days back from now, or from one given end; both given may span at most 90 days. */
export function window(startDate: string | undefined, endDate: string | undefined, now = Date.now()) {
  const startMs = startDate ? Date.parse(startDate) : undefined
  const endMs = endDate ? Date.parse(endDate) : undefined
  let start: number
  let end: number
  if (startMs !== undefined && endMs !== undefined) {
    if (endMs < startMs) throw badRequest(msg('error.open311.endBeforeStart'), [{ path: 'end_date' }])
    if (endMs - startMs > WINDOW_DAYS * DAY_MS) throw badRequest(msg('error.open311.windowTooLong', { days: WINDOW_DAYS }), [{ path: 'end_date' }])
    ;[start, end] = [startMs, endMs]
  } else if (startMs !== undefined) [start, end] = [startMs, startMs + WINDOW_DAYS * DAY_MS]
  else if (endMs !== undefined) [start, end] = [endMs - WINDOW_DAYS * DAY_MS, endMs]
  else [start, end] = [now - WINDOW_DAYS * DAY_MS, now]
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() }
}
