import fs from 'node:fs'
import path from 'node:path'

/**
 * Every .ts file under `dir`, recursively, declaration files included: for the tests that read the
 * sources themselves (the engine's boundary, the message keys, the UI's API calls).
 */
export function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : []
  })
}
