// @sqlite-only: the shipped diagrams' shapes and validation
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { createModdle } from '../../src/engine/model.js'
import { build } from '../helper.js'
import { call } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

const dir = path.join(projectRoot(), 'processes')
const files = ['ordinary.bpmn', 'joint.bpmn', 'escalation.bpmn', 'one_case_one_plan.bpmn']

t.test('every procedure has a complete diagram (a shape or edge for each flow element) and its forms exist', async (t) => {
  for (const file of files) {
    const xml = fs.readFileSync(path.join(dir, file), 'utf8')
    const { rootElement: defs } = await createModdle().fromXML(xml)
    const proc = (defs as any).rootElements.find((e: any) => e.$type === 'bpmn:Process')
    t.equal(proc.id, path.basename(file, '.bpmn'), `${file}: process id`)
    t.match(proc.name, /^[\u4e00-\u9fff].* \/ [A-Za-z]/, `${file}: 中文 / English name`)
    const plane = (defs as any).diagrams[0].plane
    const drawn = new Set(plane.planeElement.map((d: any) => d.bpmnElement?.id))
    for (const el of proc.flowElements) {
      t.ok(drawn.has(el.id), `${file}: ${el.id} is drawn`)
      if (el.$type === 'bpmn:UserTask' && el.formKey) {
        const name = el.formKey.replace(/^shuoshi:/, '')
        t.ok(fs.existsSync(path.join(dir, 'forms', `${name}.form`)), `${file}: form ${name} exists`)
      }
    }
  }
})

t.test('the procedures pass deploy validation and redeploying them is not a new version', async (t) => {
  const app = await build(t)
  for (const file of files) {
    const xml = fs.readFileSync(path.join(dir, file), 'utf8')
    const res = await call(app, 'admin', 'POST', '/api/process-definitions', { xml })
    t.equal(res.status, 200, `${file}: unchanged, ${JSON.stringify(res.body).slice(0, 300)}`)
    t.equal(res.body.version, 1)
  }
  const forms = fs.readdirSync(path.join(dir, 'forms')).filter((f) => f.endsWith('.form'))
  for (const f of forms) {
    const form = JSON.parse(fs.readFileSync(path.join(dir, 'forms', f), 'utf8'))
    for (const c of form.components) if (c.label) t.match(c.label, / \/ /, `${f}: ${c.key} label is 中文 / English`)
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(docs.statusCode, 200)
  const paths = Object.keys(docs.json().paths)
  for (const p of [
    '/api/public/petitions',
    '/api/public/track/{caseNo}',
    '/api/cases',
    '/api/cases/{id}/diagram',
    '/api/tasks/{id}/return',
    '/api/tasks/{id}/extension',
    '/api/routing-rules',
  ]) {
    t.ok(paths.includes(p), `OpenAPI has ${p}`)
  }
})
