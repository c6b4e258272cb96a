import fs from 'node:fs/promises'
import path from 'node:path'
import { xmlHash } from './definitions.js'
import { createModdle, type ModdleElement } from './model.js'

/**
 * The BPMN files of `processes/`: "the shipped version" of each procedure. They seed a key that
 * has no version yet; after that the database is the source of truth, and an administrator may
 * choose to deploy a shipped file as a new version (never the server on its own).
 */
export interface ShippedFile {
  file: string
  key: string
  name: string | null
  xml: string
  hash: string
}

/**
 * Reads every `*.bpmn` of `dir` in name order (a file may call a key of an earlier one).
 * `skip` sees each file's XML hash before it is parsed and may leave the file out: a start
 * passes the hashes already deployed, whose keys have a version by definition, and so spares
 * parsing every shipped diagram on every start (~100 ms of CPU for the four).
 */
export async function readShipped(dir: string, opts: { skip?: (hashes: string[]) => Promise<Set<string>> } = {}): Promise<ShippedFile[]> {
  let names: string[]
  try {
    names = (await fs.readdir(dir)).filter((f) => f.endsWith('.bpmn')).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const files = await Promise.all(
    names.map(async (file) => {
      const xml = await fs.readFile(path.join(dir, file), 'utf8')
      return { file, xml, hash: xmlHash(xml) }
    }),
  )
  const skipped = opts.skip ? await opts.skip(files.map((f) => f.hash)) : new Set<string>()
  const out: ShippedFile[] = []
  for (const { file, xml, hash } of files) {
    if (skipped.has(hash)) continue
    // Only the key and name: validation is the deploy's business.
    const { rootElement } = await createModdle().fromXML<ModdleElement | undefined>(xml)
    const roots = rootElement?.rootElements ?? []
    const proc = roots.find((e) => e.$type === 'bpmn:Process' && e.isExecutable)
    if (!proc?.id) throw new Error(`${file}: no executable process`)
    out.push({ file, key: proc.id, name: proc.name ?? null, xml, hash })
  }
  return out
}

export const shippedSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    name: { type: ['string', 'null'] },
    file: { type: 'string' },
    latestCityVersion: { type: ['integer', 'null'] },
    differsFromLatest: { type: 'boolean' },
  },
} as const

export const shippedDeployBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { tenant: { type: ['string', 'null'], maxLength: 64 } },
} as const
