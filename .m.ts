import { buildApp } from '/work/wt-demo/src/app.js'
import { loadConfig } from '/work/wt-demo/src/config.js'
import { openDb } from '/work/wt-demo/src/lib/db.js'
import fs from 'node:fs'
const hist = process.argv[2]
const url = `/tmp/demo-try/m-${hist}-${process.pid}.sqlite`
const cpu0 = process.cpuUsage(); const t0 = Date.now()
const config = { ...loadConfig({ DEMO: '1', DEMO_HISTORY: hist } as any), databaseUrl: url, logLevel: 'warn', serveUi: false }
const db = await openDb(url)
const app = await buildApp({ config, db, background: false })
await app.ready()
const cpu = process.cpuUsage(cpu0)
console.log(`history=${hist} first start: ${Date.now() - t0} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU, cases ${(await db('cases').count({ n: '*' }).first())!.n}`)
await app.close(); fs.rmSync(url, { force: true })
