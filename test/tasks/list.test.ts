import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { call, caseByNo, openTask, petition, step } from '../api.js'
import { process } from '../fixtures/bpmn.js'

// Regression: a unit's task list read every task its group had ever been offered (1M cases:
// "my unit" p99 1.8 s). Candidate rows now carry `open`, cleared in the step that ends the task.
t.test('a finished task leaves its unit’s open list but keeps its candidates’ access', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '工厂排污',
    category: 'environment.pollution',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  const sign = await openTask(app, c.id, 'ut_signfor')
  const rows = () => app.db('task_candidates').where({ task_id: sign.id }).select('value', 'open')
  t.ok((await rows()).length > 0 && (await rows()).every((r: any) => !!r.open), 'offered: its candidate rows are open')

  const mine = async (qs = '') => (await call(app, 'env-officer', 'GET', `/api/tasks?assigned=candidate${qs}`)).body
  t.ok(
    (await mine()).items.some((x: any) => x.id === sign.id),
    'in the unit’s open list',
  )
  t.equal((await mine()).total, (await mine()).items.length, 'a short list is counted exactly')

  await step(app, c.id, 'ut_signfor', 'env-officer', { signOutcome: 'accept' })
  t.ok(
    (await rows()).every((r: any) => !r.open),
    'ended in the same step: rows closed, not deleted',
  )
  t.notOk(
    (await mine()).items.some((x: any) => x.id === sign.id),
    'gone from the open list',
  )
  const done = (await call(app, 'env-officer', 'GET', '/api/tasks?status=completed&assigned=candidate')).body
  t.ok(
    done.items.some((x: any) => x.id === sign.id),
    'still listed among completed tasks for its candidates',
  )
  t.equal((await call(app, 'env-officer', 'GET', `/api/tasks/${sign.id}`)).status, 200, 'and still readable')
  t.equal((await call(app, 'env-officer', 'GET', `/api/cases/${c.id}`)).status, 200, 'the case stays visible to the unit')
  t.equal((await call(app, 'grid03', 'GET', `/api/tasks/${sign.id}`)).status, 404, 'others still learn nothing')

  const handle = await openTask(app, c.id, 'ut_handle')
  t.ok(handle, 'the next task is offered')
  t.ok(
    (await app.db('task_candidates').where({ task_id: handle.id })).every((r: any) => !!r.open),
    'with open candidate rows',
  )
})

t.test('task lists sort by due date with undated tasks last, and page through every open task once', async (t) => {
  const app = await build(t)
  for (const d of ['路灯不亮', '井盖缺失', '噪音扰民']) {
    await petition(app, { description: d, category: 'environment.pollution', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } })
  }
  const seen: any[] = []
  let cursor: string | null = null
  do {
    const r: any = (await call(app, 'admin', 'GET', `/api/tasks?assigned=all&sort=due&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body
    if (!cursor)
      t.equal(
        r.total,
        await app
          .db('tasks')
          .where({ status: 'open' })
          .count({ n: '*' })
          .first()
          .then((x: any) => Number(x.n)),
        'first page: exact total',
      )
    else t.notOk('total' in r || 'totalAtLeast' in r, 'later pages are not counted again')
    seen.push(...r.items)
    cursor = r.next
  } while (cursor)
  t.equal(new Set(seen.map((x) => x.id)).size, seen.length, 'no task twice')
  const dues = seen.map((x) => x.dueAt ?? '9999')
  t.same(dues, [...dues].sort(), 'ordered by due date, undated last')
})

// A county's dispatcher used to receive the city's tasks too: a role a county administrator
// hands out reached past the county, as plain groups did (test/authz/tasks-tenant-scope.test.ts).
t.test('a role group reaches a county user’s own county’s tasks only, a city user’s every tenant’s', async (t) => {
  const app = await build(t)
  const xml = process(
    'role_task',
    '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><userTask id="u" name="调度 Dispatch" camunda:candidateGroups="role:dispatcher"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/><endEvent id="e"/>',
  )
  const ids: Record<string, string> = {}
  for (const [who, tenant] of [
    ['admin', ''],
    ['guangyang-admin', 'guangyang'],
    ['xianghe-admin', 'xianghe'],
  ] as const) {
    t.equal((await call(app, who, 'POST', '/api/process-definitions', { xml, ...(tenant && { tenant }) })).status, 201)
    const r = await call(app, who, 'POST', '/api/process-definitions/key/role_task/start', { ...(tenant && { tenant }) })
    t.equal(r.status, 201, JSON.stringify(r.body))
    ids[tenant || 'city'] = (await app.db('tasks').where({ instance_id: r.body.id }).first('id')).id
  }
  const listed = async (user: string, qs: string) => new Set((await call(app, user, 'GET', `/api/tasks?${qs}`)).body.items.map((x: any) => x.id))
  for (const qs of ['assigned=candidate', 'assigned=all']) {
    const gy = await listed('guangyang-dispatcher', qs)
    t.ok(gy.has(ids.guangyang), `${qs}: a county dispatcher gets their county’s`)
    t.notOk(gy.has(ids.xianghe), `${qs}: not another county’s`)
    t.notOk(gy.has(ids.city), `${qs}: nor the city’s`)
    const city = await listed('dispatcher', qs)
    t.ok(city.has(ids.city) && city.has(ids.guangyang) && city.has(ids.xianghe), `${qs}: the city dispatcher gets them all`)
  }
  t.equal((await call(app, 'guangyang-dispatcher', 'GET', `/api/tasks/${ids.xianghe}`)).status, 404)
  t.equal((await call(app, 'guangyang-dispatcher', 'GET', `/api/tasks/${ids.city}`)).status, 404)
  // Claimed by one person, the task is theirs in "mine" and still in their "all".
  t.equal((await call(app, 'guangyang-dispatcher', 'POST', `/api/tasks/${ids.guangyang}/claim`)).status, 200)
  t.ok((await listed('guangyang-dispatcher', 'assigned=me')).has(ids.guangyang))
  t.ok((await listed('guangyang-dispatcher', 'assigned=all')).has(ids.guangyang))
  t.notOk((await listed('guangyang-dispatcher', 'assigned=candidate')).has(ids.guangyang), 'no longer up for claiming')
})

t.test('a task list joins the case facts of its page only, not of every task the actor may see', async (t) => {
  const app = await build(t)
  for (const d of ['路灯不亮', '井盖缺失', '噪音扰民']) {
    await petition(app, { description: d, category: 'environment.pollution', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } })
  }
  const statements: string[] = []
  const listen = (q: { sql?: string }) => statements.push(String(q.sql ?? ''))
  app.db.on('query', listen)
  const r = await call(app, 'admin', 'GET', '/api/tasks?assigned=all&limit=2')
  app.db.off('query', listen)
  t.equal(r.status, 200)
  t.equal(r.body.items.length, 2)
  t.ok(
    r.body.items.every((x: any) => x.facts?.caseNo),
    'each task shows its case',
  )
  // Joined in the same SELECT as the visibility filter, the database joined every visible task's
  // case, category and region before sorting and cutting the page (56 ms for the city
  // dispatcher's list at 1M cases, 22 ms paged first: bench/bigdata.ts).
  const page = statements.find((s) => /join/i.test(s) && /cases/.test(s))
  t.match(page, /from \(select .+ limit (\?|\$\d+|\d+)\) as ["`]tasks["`] left join ["`]cases["`]/i, 'the page of tasks is cut before the join')
  // Filtering by a case field needs the join first: then it stays in the one SELECT.
  const filtered = await call(app, 'admin', 'GET', '/api/tasks?assigned=all&category=environment&limit=2')
  t.equal(filtered.status, 200)
  t.equal(filtered.body.items.length, 2, 'a case filter still lists')
})

t.test('a list wider than the counted cap pages through its tasks in order, each once, as a narrow one does', async (t) => {
  const app = await build(t)
  // 1,100 open tasks offered to the dispatchers of 安平镇 (rows as a step writes them, without
  // the steps: the list reads only tasks and their candidates), a minute apart.
  const base = Date.parse('2026-11-01T00:00:00Z')
  const rows = Array.from({ length: 1100 }, (_, i) => ({
    id: `wide-${String(i).padStart(4, '0')}`,
    instance_id: 'wide-instance',
    case_id: null,
    process_key: 'wide',
    tenant: 'xianghe',
    element_id: 'ut_wide',
    execution_id: `wide-exec-${i}`,
    name: `wide ${i}`,
    candidate_groups: 'dispatcher@xh-anping-centre',
    priority: 50,
    status: 'open',
    // Every other pair shares its time: the id breaks the tie.
    created_at: new Date(base + Math.floor(i / 2) * 60_000).toISOString(),
  }))
  for (let i = 0; i < rows.length; i += 100) await app.db('tasks').insert(rows.slice(i, i + 100))
  for (let i = 0; i < rows.length; i += 100)
    await app.db('task_candidates').insert(rows.slice(i, i + 100).map((r) => ({ task_id: r.id, kind: 'group', value: r.candidate_groups, open: true })))
  const mine = (await app.db('tasks').where({ status: 'open' }).select('id')).length
  const statements: string[] = []
  const listen = (q: { sql?: string }) => statements.push(String(q.sql ?? ''))
  app.db.on('query', listen)
  const seen: string[] = []
  let cursor: string | null = null
  let first: any = null
  do {
    const r: any = await call(app, 'dispatcher', 'GET', `/api/tasks?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
    t.equal(r.status, 200)
    first ??= r.body
    seen.push(...r.body.items.filter((x: any) => x.id.startsWith('wide-')).map((x: any) => x.id))
    cursor = r.body.next
  } while (cursor)
  app.db.off('query', listen)
  t.ok(mine > 1000, `more open tasks than the cap (${mine})`)
  t.equal(first.totalAtLeast, 1001, 'the first page says there are more than 1,000')
  // By hand: created_at ascending, then id; the rows were made in that order.
  t.same(
    seen,
    rows.map((r) => r.id),
    'every wide task once, oldest first, ties by id',
  )
  if (!onPostgres)
    t.ok(
      statements.some((s) => /\+`tasks`\.`id` in/.test(s)),
      'SQLite walks the sort order and probes the visible ids',
    )
})

// Regression: api.md promises each task row "its case's caseNo, title, category and region
// names"; they were only under `facts`, so a channel app reading `item.caseNo` got undefined.
t.test("a task row carried its case's number, title and names only under facts, not where api.md puts them", async (t) => {
  const app = await build(t)
  const filed = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    title: '东门路灯不亮',
    description: '小区东门路灯连续三晚不亮',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal(filed.status, 201, filed.body?.message)
  const r = await call(app, 'admin', 'GET', `/api/tasks?assigned=all&caseId=${filed.body.id}`)
  t.equal(r.status, 200)
  t.equal(r.body.items.length, 1, 'the case’s first task')
  const row = r.body.items[0]
  // The category's names as src/cases/seed.ts writes them; the grid's as the regions table holds it.
  const region = await app.db('regions').where({ code: 'xh-anping-v01-g1' }).first('name', 'name_en')
  t.match(row, {
    caseNo: filed.body.caseNo,
    title: '东门路灯不亮',
    categoryName: '路灯照明',
    categoryNameEn: 'Street lighting',
    regionName: region.name,
    regionNameEn: region.name_en,
  })
  t.ok(row.dueAt, 'and its deadline')
  t.equal(row.facts.caseNo, filed.body.caseNo, 'facts still carry the whole set the list shows')
})
