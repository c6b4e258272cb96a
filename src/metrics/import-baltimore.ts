/**
 * Baltimore 311 replay: loads the real service requests of ../shared/data/baltimore-311 as
 * historical cases (their real dates and outcomes), so the figures can be checked against a
 * known file and the dashboard has years of data. The mapping is documented in README.md.
 *
 *   npm run import:baltimore [-- <csv path>]        (DATABASE_URL / DATABASE_SCHEMA as for the server)
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import type { Db, Trx } from '../lib/db.js'
import { cstMonth } from './service.js'

export const BALTIMORE_SOURCE = 'baltimore-311'
export const BALTIMORE_CITY = 'baltimore'
export const BALTIMORE_TZ = 'America/New_York'

export interface ImportOptions {
  /** Rows per INSERT (default 250: well under SQLite's and PostgreSQL's bind-parameter limits). */
  batchSize?: number
  /** "Now" for the overdue flag of still-open requests (default: the current time). */
  now?: Date
}

export interface ImportResult {
  rows: number
  inserted: number
  skipped: number
  regions: number
  departments: number
  ms: number
}

// ── CSV ─────────────────────────────────────────────────────────────────────────

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const n = text.length
  while (i < n) {
    let field: string
    if (text[i] === '"') {
      let j = i + 1
      let out = ''
      for (;;) {
        const q = text.indexOf('"', j)
        if (q < 0) {
          out += text.slice(j)
          j = n
          break
        }
        out += text.slice(j, q)
        if (text[q + 1] === '"') {
          out += '"'
          j = q + 2
        } else {
          j = q + 1
          break
        }
      }
      field = out
      i = j
    } else {
      let j = i
      while (j < n) {
        const c = text.charCodeAt(j)
        if (c === 44 || c === 10 || c === 13) break
        j++
      }
      field = text.slice(i, j)
      i = j
    }
    row.push(field)
    const c = text.charCodeAt(i)
    if (c === 44) {
      i++
      if (i === n) row.push('')
    } else {
      // end of line (or of the text)
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2
      else i++
      if (!(row.length === 1 && row[0] === '')) rows.push(row)
      row = []
    }
  }
  if (row.length) rows.push(row)
  return rows
}

// ── times ───────────────────────────────────────────────────────────────────────

const zoneFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: BALTIMORE_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

const offsetCache = new Map<number, number>()

/** Offset (ms, local − UTC) of the Baltimore zone at a UTC instant (zone changes fall on whole hours). */
function zoneOffset(utcMs: number): number {
  // One offset per UTC day unless the zone changes that day (then per hour).
  const day = Math.floor(utcMs / 86_400_000)
  let off = offsetCache.get(day)
  if (off === undefined) {
    const start = computeOffset(day * 86_400_000)
    off = start === computeOffset(day * 86_400_000 + 86_399_000) ? start : NaN
    offsetCache.set(day, off)
  }
  if (!Number.isNaN(off)) return off
  const hour = Math.floor(utcMs / 3_600_000)
  let h = offsetCache.get(-1 - hour)
  if (h === undefined) {
    h = computeOffset(hour * 3_600_000)
    offsetCache.set(-1 - hour, h)
  }
  return h
}

function computeOffset(utcMs: number): number {
  const p: Record<string, number> = {}
  for (const part of zoneFormat.formatToParts(new Date(utcMs))) if (part.type !== 'literal') p[part.type] = Number(part.value)
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(utcMs / 1000) * 1000
}

/**
 * `MM/DD/YYYY hh:mm:ss AM` Baltimore local time → ISO UTC. A time repeated when DST ends
 * is taken as the earlier (daylight) one; a time skipped when DST starts is read with the
 * offset before the change (as Temporal's "compatible" disambiguation does). '' → null.
 */
export function baltimoreTime(text: string): string | null {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(text.trim())
  if (!m) return null
  let h = Number(m[4]) % 12
  if (m[7] === 'PM') h += 12
  const local = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), h, Number(m[5]), Number(m[6]))
  const before = zoneOffset(local - 86_400_000)
  const after = zoneOffset(local + 86_400_000)
  const candidates = [...new Set([before, after])].map((o) => local - o).filter((u) => zoneOffset(u) === local - u)
  const utc = candidates.length ? Math.min(...candidates) : local - before
  return new Date(utc).toISOString()
}

// ── mapping ─────────────────────────────────────────────────────────────────────

export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')

/** MethodReceived → our channel (src/cases CHANNELS). */
export const CHANNEL_MAP: Record<string, string> = {
  Phone: 'hotline',
  API: 'app',
  Internal: 'grid_report',
  Mail: 'letter',
  Email: 'web',
  Web: 'web',
  System: 'other',
  Other: 'other',
}

/** SR type → category: the first matching rule, else `baltimore.<slug of the SR type>`. */
export const CATEGORY_RULES: [RegExp, string][] = [
  [/^SW-Graffiti/, 'urban'],
  [/^SW-.*Rat|^HCD-Rodents/, 'environment'],
  [/^SW-/, 'environment.garbage'],
  [/^HCD-(Sanitation Property|Illegal Dumping)/, 'environment.garbage'],
  [/^HCD-Abandoned Vehicle/, 'urban.parking'],
  [/^HCD-/, 'housing'],
  [/^WW-/, 'utilities.water'],
  [/^BGE-|^TRM-Street Light/, 'roads.lighting'],
  [/^TRM-(Pothole|Pickup Pothole|Street Repairs)|^TEC-/, 'roads.damage'],
  [/^(TRM|TRT|TRC)-/, 'roads'],
  [/^(TRS|TTR)-/, 'urban.parking'],
  [/^FIR-/, 'safety.fire'],
  [/^ECC-Information Request/, 'policy'],
]

export function categoryOf(srType: string): string {
  for (const [re, code] of CATEGORY_RULES) if (re.test(srType)) return code
  return `baltimore.${slug(srType) || 'other'}`
}

/** Agency → Chinese name of the department (name_en keeps the agency's own name). */
const AGENCY_ZH: Record<string, string> = {
  'Solid Waste': '固体废物管理局',
  Transportation: '交通局',
  Housing: '住房与社区发展局',
  'Water Wastewater': '供水与污水处理局',
  BGE: '巴尔的摩燃气电力公司',
  Finance: '财政局',
  Health: '卫生局',
  'Recreation & Parks': '游憩与公园局',
  'Call Center': '311 呼叫中心',
  'Fire Department': '消防局',
  'Parking Authority': '停车管理局',
  'Liquor Board': '酒类管理委员会',
  'Public Works': '公共工程局',
  'Police Department': '警察局',
  BCIT: '信息技术办公室',
  "Mayor's Office": '市长办公室',
}

export const departmentCode = (agency: string) => `bal-${slug(agency) || 'unknown'}`

const POLICE_ZH: Record<string, string> = {
  Northern: '北区',
  Southern: '南区',
  Eastern: '东区',
  Western: '西区',
  Central: '中区',
  Northeastern: '东北区',
  Northwestern: '西北区',
  Southeastern: '东南区',
  Southwestern: '西南区',
}

export const countyCode = (policeDistrict: string) => `bal-${slug(policeDistrict)}`
export const townshipCode = (policeDistrict: string, neighborhood: string) => `bal-${slug(policeDistrict)}-${slug(neighborhood)}`

/** A row the import inserts as it is built (org_units, cases): column name to value. */
type Row = Record<string, unknown>
/** A regions row as the import writes it. */
interface RegionInsert {
  code: string
  name: string
  name_en: string
  level: string
  parent_code: string | null
  path: string
  tenant: string
  sort: number
}

/** SRStatus → our status and what it means for the figures. */
export function statusOf(srStatus: string): { status: string; closed: boolean; resolved: boolean; responded: boolean } {
  if (srStatus.startsWith('Closed')) return { status: 'closed', closed: true, resolved: srStatus === 'Closed', responded: true }
  if (srStatus.startsWith('New')) return { status: 'received', closed: false, resolved: false, responded: false }
  if (srStatus.startsWith('Open')) return { status: 'dispatched', closed: false, resolved: false, responded: true }
  return { status: 'in_progress', closed: false, resolved: false, responded: true } // Pending, In Progress
}

// ── import ──────────────────────────────────────────────────────────────────────

/**
 * Imports every row of the CSV (idempotent: requests already imported are skipped) in one
 * transaction: the Baltimore region tree, one department per agency, then the cases.
 */
export async function importBaltimore(db: Db, csvPath: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const started = Date.now()
  const batchSize = opts.batchSize ?? 250
  const nowIso = (opts.now ?? new Date()).toISOString()
  const table = parseCsv(fs.readFileSync(csvPath, 'utf8'))
  const header = table[0]
  const records = table.slice(1).map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])) as Record<string, string>)
  for (const need of ['SRRecordID', 'ServiceRequestNum', 'SRType', 'MethodReceived', 'CreatedDate', 'SRStatus', 'Agency']) {
    if (!header.includes(need)) throw new Error(`${csvPath}: 缺少列 / missing column ${need}`)
  }

  // Regions: city → police districts (county level) → neighbourhoods within a district (township level).
  const regions = new Map<string, RegionInsert>()
  const addRegion = (code: string, name: string, nameEn: string, level: string, parent: string | null, tenant: string) => {
    if (regions.has(code)) return regions.get(code)!
    const path = `${parent ? regions.get(parent)!.path : '/'}${code}/`
    const row = { code, name, name_en: nameEn, level, parent_code: parent, path, tenant, sort: 0 }
    regions.set(code, row)
    return row
  }
  addRegion(BALTIMORE_CITY, '巴尔的摩市', 'Baltimore', 'city', null, '')
  const departments = new Map<string, Row>()

  const cases: (Row & { external_id: string })[] = []
  for (const r of records) {
    const pd = r.PoliceDistrict?.trim()
    const nb = r.Neighborhood?.trim()
    let region = regions.get(BALTIMORE_CITY)!
    if (pd) {
      const county = countyCode(pd)
      region = addRegion(county, `巴尔的摩${POLICE_ZH[pd] ?? pd}警区`, `${pd} District`, 'county', BALTIMORE_CITY, county)
      if (nb) region = addRegion(townshipCode(pd, nb), nb, nb, 'township', county, county)
    }
    const agency = r.Agency?.trim() || 'Unknown'
    const dept = departmentCode(agency)
    if (!departments.has(dept)) {
      departments.set(dept, {
        code: dept,
        name: AGENCY_ZH[agency] ?? agency,
        name_en: agency,
        kind: 'department',
        level: 'city',
        region_code: BALTIMORE_CITY,
        parent_code: null,
        duty: null, // never a routing target for live cases
        sort: departments.size,
      })
    }

    const created = baltimoreTime(r.CreatedDate)
    if (!created) throw new Error(`${r.SRRecordID}: 无法解析创建时间 / unreadable CreatedDate ${r.CreatedDate}`)
    const due = baltimoreTime(r.DueDate ?? '')
    const statusAt = baltimoreTime(r.StatusDate ?? '')
    const s = statusOf(r.SRStatus)
    const closedAt = s.closed ? (baltimoreTime(r.CloseDate ?? '') ?? statusAt ?? created) : null
    const respondedAt = s.closed ? closedAt : s.responded ? statusAt : null
    const lat = Number(r.Latitude)
    const lng = Number(r.Longitude)
    // (39, -77) is the file's placeholder for "no coordinates".
    const located = r.Latitude !== '' && r.Longitude !== '' && Number.isFinite(lat) && Number.isFinite(lng) && !(lat === 39 && lng === -77)
    cases.push({
      id: randomUUID(),
      case_no: `BAL-${r.ServiceRequestNum || r.SRRecordID}`,
      tracking_code: randomBytes(6).toString('base64url').toUpperCase().slice(0, 8),
      channel: CHANNEL_MAP[r.MethodReceived] ?? 'other',
      petitioner_type: 'person',
      anonymous: true,
      title: r.SRType,
      description: `${r.SRType}（巴尔的摩 311 回放 / Baltimore 311 replay）${r.Address ? ` — ${r.Address}` : ''}`,
      category: categoryOf(r.SRType),
      region_code: region.code,
      region_path: region.path,
      tenant: region.tenant,
      address: r.Address || null,
      lat: located ? lat : null,
      lng: located ? lng : null,
      urgency: 'normal',
      procedure: 'ordinary',
      status: s.status,
      level: 'city',
      resolved_level: s.resolved ? 'city' : null,
      owner_unit: dept,
      department: dept,
      response_due_at: due,
      resolve_due_at: due,
      responded_at: respondedAt,
      resolved_at: s.resolved ? closedAt : null,
      closed_at: closedAt,
      overdue: !s.closed && due !== null && due < nowIso,
      created_at: created,
      updated_at: statusAt && statusAt > created ? statusAt : created,
      month: cstMonth(created),
      created_by: `import:${BALTIMORE_SOURCE}`,
      source: BALTIMORE_SOURCE,
      external_id: r.SRRecordID,
      revision: 0,
    })
  }

  const sortedRegions = [...regions.values()].sort((a, b) => a.path.localeCompare(b.path))
  sortedRegions.forEach((r, i) => (r.sort = i))
  let inserted = 0
  await db.transaction(async (trx: Trx) => {
    for (let i = 0; i < sortedRegions.length; i += batchSize) {
      await trx('regions')
        .insert(sortedRegions.slice(i, i + batchSize))
        .onConflict('code')
        .ignore()
    }
    await trx('org_units')
      .insert([...departments.values()])
      .onConflict('code')
      .ignore()
    const present = new Set<string>(
      (await trx('cases').where({ source: BALTIMORE_SOURCE }).select('external_id')).map((x: { external_id: string }) => x.external_id),
    )
    const fresh = cases.filter((c) => !present.has(c.external_id))
    const before = present.size
    for (let i = 0; i < fresh.length; i += batchSize) {
      // A second import running at the same moment: the unique (source, external_id) index wins.
      await trx('cases')
        .insert(fresh.slice(i, i + batchSize))
        .onConflict(['source', 'external_id'])
        .ignore()
    }
    const after = Number((await trx('cases').where({ source: BALTIMORE_SOURCE }).count({ n: '*' }))[0].n)
    inserted = after - before
  })
  return {
    rows: records.length,
    inserted,
    skipped: records.length - inserted,
    regions: sortedRegions.length,
    departments: departments.size,
    ms: Date.now() - started,
  }
}

// ── CLI ─────────────────────────────────────────────────────────────────────────

async function main() {
  const { loadConfig } = await import('../config.js')
  const { openDb } = await import('../lib/db.js')
  const { projectRoot } = await import('../lib/paths.js')
  const config = loadConfig()
  const csv = path.resolve(process.argv[2] ?? path.join(projectRoot(), '..', 'shared', 'data', 'baltimore-311', '311_sample.csv'))
  const db = await openDb(config.databaseUrl, { schema: config.databaseSchema })
  try {
    const r = await importBaltimore(db, csv)
    console.log(
      `巴尔的摩 311 导入完成 / Baltimore 311 imported: ${r.rows} rows, ${r.inserted} new cases, ${r.skipped} already present, ` +
        `${r.regions} regions, ${r.departments} departments in ${r.ms} ms`,
    )
  } finally {
    await db.destroy()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
