import fs from 'node:fs/promises'
import type { Config } from './config.js'
import type { Db } from './lib/db.js'
import { StartupError } from './lib/startup-error.js'

/**
 * PROCESSES_DIR, checked once the database is open and before the app seeds from it. The seeding
 * (src/engine/shipped.ts) reads a missing folder as "nothing shipped", as the tests and
 * benchmarks that want an empty engine ask; a server started that way on a new database looked
 * healthy and took no case (every petition: 流程 ordinary 不存在).
 *
 * - Set and missing, unreadable or not a folder: the start stops, whatever the database holds.
 *   The operator named a folder and it is not there — the same mistake as a mistyped
 *   DATABASE_URL — and it would go on costing: the keys, forms and decisions a newer build ships
 *   are seeded from this folder on upgrade, and would silently never be.
 * - The default (the repository's processes/) missing: it goes missing only when a deployment
 *   copied dist/ without it. On a database without any procedure that is the same dead server,
 *   so the start stops; on one that has procedures, the database is the source of truth (files
 *   only seed keys it lacks, never overwrite), so the node serves and the warning says what it
 *   will not seed.
 * - A folder without any .bpmn beside a database without any procedure is a warning only: the
 *   engine tests and a deployment that models everything itself start that way on purpose.
 *
 * Returns the warnings to log.
 */
export async function checkProcessesDir(config: Pick<Config, 'processesDir' | 'processesDirSet'>, db: Db): Promise<string[]> {
  const dir = config.processesDir
  let problem: string | null = null
  let bpmnFiles = 0
  try {
    bpmnFiles = (await fs.readdir(dir)).filter((f) => f.endsWith('.bpmn')).length
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    problem = code === 'ENOENT' ? 'does not exist (ENOENT)' : code === 'ENOTDIR' ? 'is not a folder (ENOTDIR)' : `cannot be read (${code})`
  }
  const hasProcedures = (await db('process_definitions').first('id')) !== undefined
  if (problem && config.processesDirSet) {
    throw new StartupError(
      `PROCESSES_DIR ${dir} ${problem}: it holds the shipped procedures, forms and decisions a database is seeded from; correct PROCESSES_DIR, or unset it for the release's processes/`,
    )
  }
  if (problem && !hasProcedures) {
    throw new StartupError(
      `The shipped procedures' folder ${dir} ${problem} and the database has no procedure, so no case could be taken: set PROCESSES_DIR to the release's processes/ folder`,
    )
  }
  if (problem)
    return [
      `The shipped procedures' folder ${dir} ${problem}: the database's procedures serve, but a key, form or decision it lacks is not seeded; set PROCESSES_DIR to the release's processes/ folder`,
    ]
  if (!bpmnFiles && !hasProcedures) {
    return [`PROCESSES_DIR ${dir} has no .bpmn file and the database no procedure: no case can be taken until an administrator deploys one`]
  }
  return []
}
