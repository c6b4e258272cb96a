import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { build } from '../helper.js'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { cstMonth } from '../../src/metrics/index.js'

type Row = Record<string, unknown>

/**
 * Inserts hand-made cases straight into the table (metrics is the read side). `region` is a
 * region code; its path and tenant are looked up. Columns not given take plain defaults.
 */
export async function insertCases(app: FastifyInstance, cases: (Row & { region?: string })[]): Promise<void> {
  const rows: Row[] = []
  for (const c of cases) {
    const { region = 'xh-anping', ...over } = c
    const r = await app.db('regions').where({ code: region }).first('path', 'tenant')
    if (!r) throw new Error(`no region ${region}`)
    const created = (over.created_at as string) ?? '2024-03-10T02:00:00.000Z'
    rows.push({
      id: randomUUID(),
      case_no: `M${randomUUID().slice(0, 12)}`,
      tracking_code: 'T0000000',
      channel: 'hotline',
      petitioner_type: 'person',
      anonymous: false,
      description: '测试 / test',
      category: 'land',
      region_code: region,
      region_path: r.path,
      tenant: r.tenant ?? '',
      status: 'received',
      level: 'township',
      created_at: created,
      updated_at: created,
      month: cstMonth(created),
      ...over,
    })
  }
  await app.db.batchInsert('cases', rows, 100)
}

/**
 * An app over a fresh database without the BPMN processes (the figures read the cases table
 * only, and deploying processes/ needs the case handlers of other capabilities).
 */
export async function buildMetricsApp(t: Test): Promise<FastifyInstance> {
  return build(t, { config: { processesDir: path.join(os.tmpdir(), 'shuoshi-metrics-no-processes') } })
}
