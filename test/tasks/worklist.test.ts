import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, openTask, petition, step } from '../api.js'
import { unitProblem } from '../../src/cases/dispatch-targets.js'

const anon = { type: 'person', anonymous: true }

/**
 * Three cases no routing rule covers, so each waits at the dispatch step of the centre nearest
 * it (and, in the demo, at the city desk of `dispatcher`):
 *   A hotline, category other,            安平村第一网格 (Xianghe, Anping)
 *   B web,     category policy.insurance, 城内社区第一网格 (Xianghe, Shuyang)
 *   C hotline, category other,            新源里社区第一网格 (Guangyang, Xinyuan)
 */
async function threeCases(app: any) {
  const filed = async (payload: Record<string, unknown>) => {
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', payload)
    if (r.status !== 201) throw new Error(JSON.stringify(r.body))
    return r.body
  }
  const a = await filed({
    channel: 'hotline',
    title: '东门路灯不亮',
    description: '小区东门排水管道旁路灯连续三晚不亮',
    category: 'other',
    regionCode: 'xh-anping-v01-g1',
    address: '安平村东门',
    petitioner: anon,
  })
  const b = await caseByNo(
    app,
    (await petition(app, { description: '咨询医保报销流程', category: 'policy.insurance', regionCode: 'xh-shuyang-v01-g1', petitioner: anon })).caseNo,
  )
  const c = await filed({ channel: 'hotline', description: '楼道堆放杂物', category: 'other', regionCode: 'gy-xinyuan-v01-g1', petitioner: anon })
  const task = async (x: any) => (await openTask(app, x.id, 'ut_dispatch')).id as string
  return { a, b, c, ta: await task(a), tb: await task(b), tc: await task(c) }
}

const ids = (r: any) => r.body.items.map((x: any) => x.id).sort()

t.test('task rows carry their case facts, and every case filter narrows the list to the rows worked out by hand', async (t) => {
  const app = await build(t)
  const { a, b, ta, tb, tc } = await threeCases(app)
  const list = (qs: string) => call(app, 'dispatcher', 'GET', `/api/tasks?assigned=candidate&${qs}`)

  const all = await list('')
  t.equal(all.status, 200)
  t.same(ids(all), [ta, tb, tc].sort(), 'the city desk receives all three dispatch tasks')
  const rowA = all.body.items.find((x: any) => x.id === ta)
  t.match(rowA.facts, {
    caseNo: a.caseNo,
    title: '东门路灯不亮',
    description: null,
    category: 'other',
    categoryName: '其他',
    categoryNameEn: 'Other',
    regionCode: 'xh-anping-v01-g1',
    regionName: '安平村第一网格',
    address: '安平村东门',
    procedure: 'ordinary',
    channel: 'hotline',
  })
  const rowB = all.body.items.find((x: any) => x.id === tb)
  // A petition without a title is titled by intake from its description.
  t.equal(rowB.facts.title, '咨询医保报销流程')
  t.equal(rowB.facts.channel, 'web')

  const cases: [string, string[]][] = [
    ['category=other', [ta, tc]],
    ['category=policy', [tb]], // the subtree: policy.insurance
    ['region=xianghe', [ta, tb]],
    ['region=xh-anping', [ta]],
    ['region=nowhere', []],
    ['channel=web', [tb]],
    ['channel=hotline', [ta, tc]],
    ['procedure=ordinary', [ta, tb, tc]],
    ['procedure=joint', []],
    [`q=${encodeURIComponent('排水管道')}`, [ta]], // in A's description only
    [`q=${encodeURIComponent('医保')}`, [tb]], // two characters: the LIKE path
    [`q=${b.caseNo}`, [tb]],
    ['category=other&region=xianghe', [ta]],
    [`from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, []],
    [`to=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, [ta, tb, tc]],
    [`from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&category=policy.insurance`, [tb]],
  ]
  for (const [qs, want] of cases) {
    const r = await list(qs)
    t.equal(r.status, 200, qs)
    t.same(ids(r), want.sort(), qs)
    t.equal(r.body.total, want.length, `${qs}: counted`)
  }
  // Overdue is the task's own deadline. Dispatch tasks have none, so one is given a past one
  // (time cannot be waited for in a test).
  t.same(ids(await list('overdue=true')), [])
  await app.db('tasks').where({ id: tc }).update({ due_at: '2020-01-01T00:00:00.000Z' })
  t.same(ids(await list('overdue=true')), [tc])
  t.same(ids(await list('overdue=false')), [ta, tb].sort())
  t.equal((await list('overdue=true')).body.items[0].facts.dueInMinutes < 0, true, 'time left is negative once overdue')

  // A county dispatcher filtering sees no more than before: the filters narrow, never widen.
  t.same(ids(await call(app, 'anping-dispatcher', 'GET', '/api/tasks?assigned=candidate&category=other')), [ta])
  t.equal((await list('from=yesterday')).status, 400, 'a date that is not one: 400')
  t.equal((await list(`q=${'x'.repeat(201)}`)).status, 400)
})

t.test('task list pages through a filtered list once each, with a stable order', async (t) => {
  const app = await build(t)
  const { ta, tb, tc } = await threeCases(app)
  for (const sort of ['due', 'created']) {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: any = await call(
        app,
        'dispatcher',
        'GET',
        `/api/tasks?assigned=candidate&category=other&region=langfang&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      )
      t.equal(r.status, 200)
      if (!cursor) t.equal(r.body.total, 2, 'A and C match; counted on the first page')
      seen.push(...r.body.items.map((x: any) => x.id))
      cursor = r.body.next
      pages++
    } while (cursor && pages < 5)
    t.same([...seen].sort(), [ta, tc].sort(), `${sort}: each matching task once`)
    t.notOk(seen.includes(tb))
    const again = (await call(app, 'dispatcher', 'GET', `/api/tasks?assigned=candidate&category=other&sort=${sort}&limit=10`)).body.items.map((x: any) => x.id)
    t.same(again, seen, `${sort}: the pages are the one-page order`)
  }
})

t.test('bulk claim checks each task as a single claim: own, foreign, already claimed', async (t) => {
  const app = await build(t)
  const { ta, tb, tc } = await threeCases(app)
  t.equal((await call(app, 'dispatcher', 'POST', `/api/tasks/${ta}/claim`)).status, 200)
  // anping-dispatcher: A is theirs to see but already taken (409); C is Guangyang's (404, as
  // the single claim answers); an unknown id is 404 too.
  const r = await call(app, 'anping-dispatcher', 'POST', '/api/tasks/claim', { ids: [ta, tc, 'no-such-task'] })
  t.equal(r.status, 200)
  t.same(
    r.body.results.map((x: any) => [x.id, x.status]),
    [
      [ta, 409],
      [tc, 404],
      ['no-such-task', 404],
    ],
  )
  t.match(r.body.results[0].message, /dispatcher/, 'says who has it')
  t.equal((await app.db('tasks').where({ id: ta }).first()).assignee, 'dispatcher', 'nothing changed for A')
  t.equal((await app.db('tasks').where({ id: tc }).first()).assignee, null, 'nor for C')

  // The city desk: A is already its own (200, unchanged), B and C are claimed.
  const mine = await call(app, 'dispatcher', 'POST', '/api/tasks/claim', { ids: [ta, tb, tc, tb] })
  t.same(
    mine.body.results.map((x: any) => [x.id, x.status, x.task?.assignee]),
    [
      [ta, 200, 'dispatcher'],
      [tb, 200, 'dispatcher'],
      [tc, 200, 'dispatcher'],
    ],
    'each id once, all claimed',
  )
  t.same(ids(await call(app, 'dispatcher', 'GET', '/api/tasks?assigned=me')), [ta, tb, tc].sort())
  t.equal((await call(app, 'dispatcher', 'POST', '/api/tasks/claim', { ids: [] })).status, 400)
  t.equal((await call(app, 'dispatcher', 'POST', '/api/tasks/claim', { ids: Array.from({ length: 101 }, (_, i) => `t${i}`) })).status, 400)
  t.equal((await call(app, null, 'POST', '/api/tasks/claim', { ids: [ta] })).status, 401)
})

t.test('dispatch targets are exactly the units the server accepts, the rule’s suggestion first', async (t) => {
  const app = await build(t)
  const { a, ta } = await threeCases(app)
  const r = await call(app, 'dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets?limit=200`)
  t.equal(r.status, 200)
  const listed = new Set<string>(r.body.items.map((u: any) => u.code))
  // Every unit of the organisation, asked of the rule the task-data check applies.
  const row = await app.db('cases').where({ id: a.id }).first()
  const accepted = new Set<string>()
  const cityDispatcher = { roles: ['dispatcher'], tenant: null }
  for (const u of await app.db('org_units').select('code')) if (!(await unitProblem(app.db, app.org, row, u.code, cityDispatcher))) accepted.add(u.code)
  t.same([...listed].sort(), [...accepted].sort(), 'listed = accepted')
  // A county's dispatcher: the same equality, and no unit of the city (they escalate instead).
  const county = await call(app, 'xianghe-dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets?limit=200`)
  const countyListed = new Set<string>(county.body.items.map((u: any) => u.code))
  const countyAccepted = new Set<string>()
  for (const u of await app.db('org_units').select('code')) {
    if (!(await unitProblem(app.db, app.org, row, u.code, { roles: ['dispatcher'], tenant: 'xianghe' }))) countyAccepted.add(u.code)
  }
  t.same([...countyListed].sort(), [...countyAccepted].sort(), 'a county dispatcher: listed = accepted')
  t.ok(countyListed.has('xianghe-water') && !countyListed.has('langfang-land') && !countyListed.has('langfang-centre'), 'the county’s units, not the city’s')
  t.ok(listed.has('xianghe-water') && listed.has('xh-anping-civil') && listed.has('langfang-land'), 'its county’s staffed units and the city’s')
  t.notOk(listed.has('guangyang-land'), 'not another county’s')
  t.notOk(listed.has('xianghe-gas'), 'not a unit nobody works in (xianghe-gas has no staff)')
  t.notOk(
    r.body.items.some((u: any) => u.suggested),
    'no rule and no unit of the duty "general": no suggestion',
  )
  t.equal(r.body.items[0].code, 'xh-anping-v01-g1', 'nearest first: the case’s own grid')

  const search = await call(app, 'dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets?q=${encodeURIComponent('水务')}`)
  t.same(
    search.body.items.map((u: any) => u.code),
    ['xianghe-water'],
    'found by part of its Chinese name',
  )
  t.same(
    (await call(app, 'dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets?q=WATER`)).body.items.map((u: any) => u.code),
    ['xianghe-water'],
    'or its English name',
  )
  t.same(
    (await call(app, 'dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets?q=${encodeURIComponent('燃气')}`)).body.items,
    [],
    'an unstaffed unit is not found',
  )

  // The server agrees: an unlisted unit is refused, a listed one completes.
  const refused = await call(app, 'dispatcher', 'POST', `/api/tasks/${ta}/complete`, { data: { targetUnit: 'xianghe-gas' } })
  t.equal(refused.status, 400)
  t.equal((await call(app, 'dispatcher', 'POST', `/api/tasks/${ta}/complete`, { data: { targetUnit: 'guangyang-land' } })).status, 400)
  t.equal((await call(app, 'dispatcher', 'POST', `/api/tasks/${ta}/complete`, { data: { targetUnit: 'xianghe-water' } })).status, 200)
  t.equal((await call(app, 'admin', 'GET', `/api/cases/${a.id}`)).body.ownerUnit, 'xianghe-water')

  // A case a rule routes: its owner comes first, marked.
  const p = await caseByNo(
    app,
    (await petition(app, { description: '工厂排污', category: 'environment.pollution', regionCode: 'xh-anping-v01-g1', petitioner: anon })).caseNo,
  )
  const ruled = (await call(app, 'xianghe-dispatcher', 'GET', `/api/cases/${p.id}/dispatch-targets`)).body.items
  t.match(ruled[0], { code: 'xianghe-environment', suggested: true, name: '香河县生态环境分局', regionName: '香河县' })
  t.equal(ruled.filter((u: any) => u.suggested).length, 1)

  // Scope: another county's case does not exist for this caller.
  t.equal((await call(app, 'guangyang-dispatcher', 'GET', `/api/cases/${a.id}/dispatch-targets`)).status, 404)
  t.equal((await call(app, 'dispatcher', 'GET', '/api/cases/no-such-case/dispatch-targets')).status, 404)
  t.equal((await call(app, null, 'GET', `/api/cases/${a.id}/dispatch-targets`)).status, 401)
})

t.test('the approver sees the extension’s days and reason; the handler sees it pending, then spent', async (t) => {
  const app = await build(t)
  const p = await caseByNo(
    app,
    (await petition(app, { description: '工厂排污', category: 'environment.pollution', regionCode: 'xh-anping-v01-g1', petitioner: anon })).caseNo,
  )
  await step(app, p.id, 'ut_signfor', 'env-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, p.id, 'ut_handle')
  const view = async (user: string, id: string) => (await call(app, user, 'GET', `/api/tasks/${id}`)).body
  t.same((await view('env-officer', handle.id)).extension, { available: true, pending: false, spent: false })
  const signStep = (await view('env-officer', handle.id)).context.steps.find((s: any) => s.elementId === 'ut_signfor')
  t.match(signStep, { completedBy: 'env-officer', data: { signOutcome: 'accept' } }, 'earlier steps and what they submitted')

  const ext = await call(app, 'env-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需要第三方检测报告 / lab report' })
  t.equal(ext.status, 202)
  t.same((await view('env-officer', handle.id)).extension, { available: false, pending: true, spent: false }, 'pending: the page knows before a form is filled')

  const approval = await view('anping-leader', ext.body.approvalTaskId)
  t.equal(approval.elementId, 'ut_handle_ext_approve')
  t.same(
    approval.context.decidesOn,
    [
      {
        kind: 'extension',
        days: 5,
        reason: '需要第三方检测报告 / lab report',
        by: 'env-officer',
        // The seed's display name of env-officer (src/org/seed.ts).
        byName: '香河生态环境分局 罗斌',
        at: approval.context.decidesOn[0].at,
      },
    ],
    'days and reason, the text verbatim',
  )
  t.equal(approval.case.caseNo, p.caseNo, 'and the case facts')
  t.equal((await call(app, 'anping-leader', 'POST', `/api/tasks/${ext.body.approvalTaskId}/complete`, { data: { extensionDecision: 'approve' } })).status, 200)
  t.same((await view('env-officer', handle.id)).extension, { available: false, pending: false, spent: true }, 'spent for this round')
  t.equal((await call(app, 'env-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 1, reason: 'again' })).status, 409, 'as the server says')
  t.equal((await view('grid03', handle.id)).error, 'not_found', 'someone outside the task learns nothing')
})

t.test('the dispatcher receiving a return sees its reason, and the bell shows it until read', async (t) => {
  const app = await build(t)
  const { a, ta } = await threeCases(app)
  const bell = async (user: string) => (await call(app, user, 'GET', '/api/notifications/bell')).body
  // The bell's count is its unread notifications and its deadlines; these are the notifications.
  const unreadNotes = (b: { unread: number; deadlines: unknown[] }) => b.unread - b.deadlines.length
  const first = await bell('anping-dispatcher')
  t.same(first.notifications, [])
  // Dispatch is due within the response limit too (every step has a deadline): the centre's bell shows it.
  t.same(
    first.deadlines.map((d: any) => [d.taskId, d.caseNo, d.overdue]),
    [[ta, a.caseNo, false]],
  )
  t.equal(first.unread, 1)

  t.equal((await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${ta}/complete`, { data: { targetUnit: 'xianghe-water' } })).status, 200)
  // Sign-for is due within 24 h (response limit PT24H): the handler's bell shows it now.
  const sign = await openTask(app, a.id, 'ut_signfor')
  const handlerBell = await bell('water-officer')
  t.same(
    handlerBell.deadlines.map((d: any) => [d.taskId, d.caseNo, d.overdue]),
    [[sign.id, a.caseNo, false]],
  )
  t.equal(handlerBell.unread, 1)

  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${sign.id}/return`, { reason: '不属于水务职责，应由城管处理' })).status, 200)
  const again = await openTask(app, a.id, 'ut_dispatch')
  const page = (await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${again.id}`)).body
  t.match(page.context.decidesOn, [{ kind: 'return', reason: '不属于水务职责，应由城管处理', unit: 'xianghe-water', by: 'water-officer' }])
  t.same((await bell('water-officer')).deadlines, [], 'the returned task left the handler’s bell')

  const b1 = await bell('anping-dispatcher')
  t.equal(unreadNotes(b1), 1)
  t.same(
    b1.deadlines.map((d: any) => d.taskId),
    [again.id],
    'and the dispatch again, with its deadline',
  )
  t.match(b1.notifications, [{ kind: 'return', caseId: a.id, caseNo: a.caseNo, readAt: null, recipient: 'dispatcher@xh-anping-centre' }])
  t.equal(unreadNotes(await bell('dispatcher')), 1, 'the city desk shares the centre’s inbox')
  const id = b1.notifications[0].id
  t.equal((await call(app, 'guangyang-dispatcher', 'POST', `/api/notifications/${id}/read`)).status, 404, 'another’s notification: 404')
  t.equal(unreadNotes(await bell('anping-dispatcher')), 1, 'still unread')
  const read = await call(app, 'anping-dispatcher', 'POST', `/api/notifications/${id}/read`)
  t.equal(read.status, 200)
  t.ok(read.body.readAt)
  t.equal(unreadNotes(await bell('anping-dispatcher')), 0)
  // Regression: one member's read marked a unit's notification read for the whole unit. Read
  // state is per person (migration 022): the city desk, in the same inbox, still has it unread.
  const other = await bell('dispatcher')
  t.equal(unreadNotes(other), 1, 'read by anping-dispatcher, still unread for dispatcher')
  t.equal(other.notifications[0].id, id)
  t.equal(other.notifications[0].readAt, null)
  t.same(
    (await call(app, 'dispatcher', 'GET', '/api/notifications?unread=true')).body.map((n: any) => n.id),
    [id],
  )
  // The notification carries its parameters: the case number and the unit that gave it back
  // (香河县水务局, the unit the case was dispatched to above), by name in both languages.
  t.match(b1.notifications[0].params, { caseNo: a.caseNo, unitName: '香河县水务局', stage: String })
  t.equal(b1.notifications[0].key, 'notification.return')
  const listed = (await call(app, 'anping-dispatcher', 'GET', '/api/notifications')).body
  t.equal(listed.length, 1, 'the list keeps read notifications')
  t.equal(listed[0].readAt, read.body.readAt)
  t.same((await call(app, 'anping-dispatcher', 'GET', '/api/notifications?unread=true')).body, [])

  // Dispatch again, return again: two unread; read-all clears them.
  t.equal((await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${again.id}/complete`, { data: { targetUnit: 'xianghe-urban' } })).status, 200)
  const sign2 = await openTask(app, a.id, 'ut_signfor')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${sign2.id}/return`, { reason: '非本局' })).status, 200)
  t.equal(unreadNotes(await bell('anping-dispatcher')), 1)
  t.same((await call(app, 'anping-dispatcher', 'POST', '/api/notifications/read-all')).body, { read: 1 })
  t.equal(unreadNotes(await bell('anping-dispatcher')), 0)
  // Read-all is mine too: the city desk still has both returns unread, then reads one of them.
  t.equal(unreadNotes(await bell('dispatcher')), 2)
  t.equal((await call(app, 'dispatcher', 'POST', `/api/notifications/${id}/read`)).status, 200)
  t.same((await call(app, 'dispatcher', 'POST', '/api/notifications/read-all')).body, { read: 1 })
  t.equal(unreadNotes(await bell('dispatcher')), 0)
  t.equal(unreadNotes(await bell('anping-dispatcher')), 0, 'and reading twice changes nothing for the other')
})
