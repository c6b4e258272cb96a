import type ExcelJSType from 'exceljs'
import type { RateBlock } from '../metrics/index.js'
import type { Bulletin, CaseLine, UnitKind, UnitRow } from './service.js'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** Sheet names (Chinese: the bulletin is a Chinese document). */
export const SHEETS = { townships: '乡镇排名', departments: '部门排名', penalties: '扣分案件' } as const

const RATES: [keyof RateBlock, string][] = [
  ['responseRate', '响应率'],
  ['resolutionRate', '解决率'],
  ['satisfactionRate', '满意率'],
  ['closureRate', '办结率'],
  ['onTimeRate', '按期办结率'],
]

/**
 * The bulletin as a workbook: one sheet per ranking (a title row, then a header row, then one
 * row per unit with each item's count and points and the rates), and the penalised cases.
 * exceljs writes the real OOXML; a hand-made CSV would not open as a spreadsheet with sheets.
 */
export async function bulletinWorkbook(b: Bulletin, penalties: (CaseLine & { item: string; kind: UnitKind; unit: string })[]): Promise<Buffer> {
  // Loaded on the first export, not at start: exceljs costs ~0.35 s of CPU to import, paid by
  // every server start and every test process although few ever export a workbook.
  const ExcelJS: typeof ExcelJSType = (await import('exceljs')).default
  const wb = new ExcelJS.Workbook()
  wb.creator = 'Shuoshi 说事'
  wb.created = new Date(b.asOf)
  const [y, m] = b.month.split('-')
  const where = b.region?.name ?? '全市'
  const items = b.items.filter((i) => i.enabled)

  const ranking = (name: string, kind: UnitKind, rows: UnitRow[]) => {
    const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 2, ySplit: 2 }] })
    const its = items.filter((i) => i.appliesTo === 'both' || i.appliesTo === kind)
    ws.addRow([`${where} ${y}年${Number(m)}月 一月一通报 · ${kind === 'township' ? '乡镇（街道）' : '部门'}排名`])
    const header = ['排名', kind === 'township' ? '乡镇（街道）' : '部门', '代码', '总分', '受理量', '剔除量']
    for (const it of its) header.push(`${it.name}（件）`, `${it.name}（分）`)
    for (const [, label] of RATES) header.push(label)
    ws.addRow(header).font = { bold: true }
    for (const r of rows) {
      const byCode = new Map(r.items.map((i) => [i.code, i]))
      const line: (string | number | null)[] = [r.rank, r.label, r.key, r.points, r.received, r.excluded]
      for (const it of its) line.push(byCode.get(it.code)?.count ?? 0, byCode.get(it.code)?.points ?? 0)
      for (const [k] of RATES) line.push(r.rates[k] as number | null)
      ws.addRow(line)
    }
    const firstRate = header.length - RATES.length + 1
    for (let c = firstRate; c <= header.length; c++) ws.getColumn(c).numFmt = '0.0%'
    ws.getColumn(2).width = 24
  }
  ranking(SHEETS.townships, 'township', b.townships)
  ranking(SHEETS.departments, 'department', b.departments)

  const ws = wb.addWorksheet(SHEETS.penalties, { views: [{ state: 'frozen', ySplit: 2 }] })
  ws.addRow([`${where} ${y}年${Number(m)}月 扣分案件明细`])
  ws.addRow(['类别', '单位', '计分项', '案件编号', '标题', '次数', '扣分']).font = { bold: true }
  const unitName = new Map([...b.townships, ...b.departments].map((u) => [`${u.kind}:${u.key}`, u.label]))
  const itemName = new Map(items.map((i) => [i.code, i.name]))
  for (const p of penalties) {
    ws.addRow([
      p.kind === 'township' ? '乡镇' : '部门',
      unitName.get(`${p.kind}:${p.unit}`) ?? p.unit,
      itemName.get(p.item) ?? p.item,
      p.caseNo,
      p.title ?? '',
      p.count,
      p.points,
    ])
  }
  ws.getColumn(5).width = 30
  return Buffer.from(await wb.xlsx.writeBuffer())
}
