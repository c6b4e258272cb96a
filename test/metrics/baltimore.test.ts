import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { login } from '../helper.js'
import { importBaltimore } from '../../src/metrics/import-baltimore.js'
import { buildMetricsApp } from './fixtures.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * Replays the 10,000 Baltimore 311 requests and checks the figures the API reports against
 * figures computed here from the CSV with plain TypeScript, following only the documented
 * rules (src/metrics/README.md): its own CSV parser, its own US daylight-saving rule.
 */
const CSV = path.join(projectRoot(), 'test/fixtures/baltimore-311/311_sample.csv')

/** A small quoted-CSV reader, character by character. */
function readCsv(text: string): Record<string, string>[] {
  const lines: string[][] = [[]]
  let cur = ''
  let inQuotes = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') inQuotes = false
      else cur += ch
      continue
    }
    if (ch === '"') inQuotes = true
    else if (ch === ',') {
      lines[lines.length - 1].push(cur)
      cur = ''
    } else if (ch === '\n') {
      lines[lines.length - 1].push(cur.replace(/\r$/, ''))
      cur = ''
      lines.push([])
    } else cur += ch
  }
  if (cur) lines[lines.length - 1].push(cur)
  const [head, ...body] = lines.filter((l) => l.length > 1)
  return body.map((cells) => Object.fromEntries(head.map((h, i) => [h, cells[i] ?? ''])))
}

/** n-th Sunday (1-based) of a month, as a day of the month. */
const nthSunday = (y: number, month0: number, n: number) => {
  const first = new Date(Date.UTC(y, month0, 1)).getUTCDay()
  return 1 + ((7 - first) % 7) + 7 * (n - 1)
}

/**
 * Eastern time (US rule since 2007: daylight from the second Sunday of March 02:00 to the
 * first Sunday of November 02:00) → UTC ms. A skipped time reads as standard time, a repeated
 * one as daylight time (the documented disambiguation).
 */
function easternToUtc(text: string): number | null {
  const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d) ([AP]M)$/.exec(text)
  if (!m) return null
  const y = +m[3]
  const hour = (+m[4] % 12) + (m[7] === 'PM' ? 12 : 0)
  const local = Date.UTC(y, +m[1] - 1, +m[2], hour, +m[5], +m[6])
  const dstStart = Date.UTC(y, 2, nthSunday(y, 2, 2), 3) // 03:00 local: times in the gap stay standard
  const dstEnd = Date.UTC(y, 10, nthSunday(y, 10, 1), 2) // 02:00 local (daylight): 01:xx repeated → daylight
  const dst = local >= dstStart && local < dstEnd
  return local + (dst ? 4 : 5) * 3_600_000
}

const chinaMonth = (utc: number) => new Date(utc + 8 * 3_600_000).toISOString().slice(0, 7)

interface Expected {
  received: number
  responded: number
  closed: number
  onTime: number
  /** Closed with a DueDate: the on-time denominator (closed rows without one are counted apart). */
  onTimeBase: number
}

function expectedFigures(rows: Record<string, string>[]) {
  const overall: Expected = { received: 0, responded: 0, closed: 0, onTime: 0, onTimeBase: 0 }
  const byMonth = new Map<string, Expected>()
  const byAgency = new Map<string, Expected>()
  const byDistrict = new Map<string, Expected>()
  const bump = (map: Map<string, Expected>, key: string) => {
    if (!map.has(key)) map.set(key, { received: 0, responded: 0, closed: 0, onTime: 0, onTimeBase: 0 })
    return map.get(key)!
  }
  for (const r of rows) {
    const created = easternToUtc(r.CreatedDate)!
    const due = easternToUtc(r.DueDate)
    const closed = r.SRStatus.startsWith('Closed')
    const closedAt = closed ? easternToUtc(r.CloseDate) : null
    // Documented rule: closed → responded when closed; New → not responded; Open/Pending/In Progress → at StatusDate.
    const respondedAt = closed ? closedAt : r.SRStatus.startsWith('New') ? null : easternToUtc(r.StatusDate)
    const responded = respondedAt !== null && (due === null || respondedAt <= due)
    // The agency finished when it closed the request (the file has no separate result time);
    // a closed request without a DueDate is neither on time nor late.
    const onTime = closed && closedAt !== null && due !== null && closedAt <= due
    for (const e of [overall, bump(byMonth, chinaMonth(created)), bump(byAgency, r.Agency), bump(byDistrict, r.PoliceDistrict)]) {
      e.received++
      if (responded) e.responded++
      if (closed) e.closed++
      if (onTime) e.onTime++
      if (closed && due !== null) e.onTimeBase++
    }
  }
  return { overall, byMonth, byAgency, byDistrict }
}

const matches = (t: Test, got: any, want: Expected, what: string) => {
  t.same({ received: got.received, responded: got.responded, closed: got.closed, onTime: got.onTime, onTimeBase: got.onTimeBase }, want, `${what}: counts`)
  t.equal(got.responseRate, want.responded / want.received, `${what}: response rate`)
  t.equal(got.closureRate, want.closed / want.received, `${what}: closure rate`)
  t.equal(got.onTimeRate, want.onTimeBase ? want.onTime / want.onTimeBase : null, `${what}: on-time rate`)
  t.equal(got.evaluated, 0, `${what}: the file carries no evaluations`)
  t.equal(got.resolutionRate, null, `${what}: resolution rate null`)
  t.equal(got.satisfactionRate, null, `${what}: satisfaction rate null`)
  t.equal(got.atOrBelowTownshipRate, want.closed ? 0 : null, `${what}: city departments resolve above township level`)
}

t.test('Baltimore 311 replay: the API reports the figures computed from the file', async (t) => {
  const app = await buildMetricsApp(t)
  const rows = readCsv(fs.readFileSync(CSV, 'utf8'))
  t.equal(rows.length, 10_000, 'the test reads all 10,000 rows')
  const want = expectedFigures(rows)

  const started = Date.now()
  const first = await importBaltimore(app.db, CSV)
  t.comment(`import took ${Date.now() - started} ms`)
  t.match(first, { rows: 10_000, inserted: 10_000, skipped: 0 })
  const again = await importBaltimore(app.db, CSV)
  t.match(again, { rows: 10_000, inserted: 0, skipped: 10_000 }, 're-import is idempotent')
  t.equal(Number((await app.db('cases').count({ n: '*' }))[0].n), 10_000)

  const headers = await login(app, 'admin')
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers })
    t.equal(res.statusCode, 200, url)
    return res.json()
  }

  // overall
  const all = await get('/api/metrics/rates?region=baltimore')
  matches(t, all.overall, want.overall, 'overall')
  t.ok(want.overall.responded > 5000 && want.overall.closed > 9000, 'the expected figures are not trivial')

  // by month: every month, and a few through from/to
  const months = await get('/api/metrics/rates?region=baltimore&groupBy=month')
  t.equal(months.groups.length, want.byMonth.size, 'one group per month')
  for (const g of months.groups) matches(t, g, want.byMonth.get(g.key)!, `month ${g.key}`)
  for (const m of ['2014-01', '2015-07', '2016-11', '2018-03', '2019-01']) {
    const one = await get(`/api/metrics/rates?from=${m}&to=${m}&region=baltimore`)
    matches(t, one.overall, want.byMonth.get(m)!, `from/to ${m}`)
  }

  // by department (labelled with the agency's own name)
  const depts = await get('/api/metrics/rates?region=baltimore&groupBy=department')
  t.equal(depts.groups.length, want.byAgency.size)
  for (const g of depts.groups) matches(t, g, want.byAgency.get(g.labelEn)!, `department ${g.labelEn}`)

  // by region: police districts, and the requests without a location at city level
  const regions = await get('/api/metrics/rates?region=baltimore&groupBy=region')
  for (const g of regions.groups) {
    const district = g.key === 'baltimore' ? '' : g.labelEn.replace(/ District$/, '')
    matches(t, g, want.byDistrict.get(district)!, `region ${g.key}`)
  }
  t.equal(regions.groups.length, want.byDistrict.size)

  // the dashboard for one month
  const ov = await get('/api/metrics/overview?region=baltimore&month=2018-03')
  t.equal(ov.totals.received, want.byMonth.get('2018-03')!.received)
  const phone = rows.filter((r) => r.MethodReceived === 'Phone' && chinaMonth(easternToUtc(r.CreatedDate)!) === '2018-03').length
  t.equal(ov.totals.byChannel.find((c: any) => c.key === 'hotline')?.count, phone, 'Phone → hotline')
  t.ok(ov.townships.length > 10 && ov.departments.length > 3)
})
