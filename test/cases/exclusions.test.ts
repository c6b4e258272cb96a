import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, petition, step } from '../api.js'

/**
 * 剔单 (issue 10): a unit asks to exclude a case from assessment, a supervisor whose region
 * covers the case decides; the case stays in "received" and the rates are served with and
 * without exclusions. Figures worked out by hand below.
 */

const chinaMonth = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)

t.test('request → approve → rates with/without exclusions → reversal restores; refusal; scope; history', async (t) => {
  const app = await build(t)
  // Two more users for the scope rules: another county's supervisor, and a Xianghe dispatcher who also supervises.
  for (const u of [
    { username: 'gy-supervisor', displayName: '广阳区督办员', roles: ['supervisor'], unitCode: 'guangyang-centre' },
    { username: 'xh-disp-sup', displayName: '香河县调度兼督办', roles: ['dispatcher', 'supervisor'], unitCode: 'xianghe-centre' },
  ]) {
    const res = await call(app, 'admin', 'POST', '/api/org/users', { ...u, password: 'password-1234' })
    t.equal(res.status, 201, JSON.stringify(res.body))
  }
  const { as } = await import('../api.js')
  await as(app, 'gy-supervisor', 'password-1234')
  await as(app, 'xh-disp-sup', 'password-1234')

  // Three street-light cases in 安平 (→ xianghe-urban by rule), this month:
  //   A: signed for, resolved, evaluated satisfied → closed;  B: signed for;  C: untouched.
  const light = { description: '路灯不亮', category: 'roads.lighting', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } }
  const pa = await petition(app, light)
  const a = await caseByNo(app, pa.caseNo)
  const b = await caseByNo(app, (await petition(app, light)).caseNo)
  const c = await caseByNo(app, (await petition(app, light)).caseNo)
  await step(app, a.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  await step(app, a.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已修复' })
  const ev = await call(app, null, 'POST', `/api/public/track/${pa.caseNo}/evaluation`, { code: pa.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200)
  await step(app, b.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })

  const rates = async (exclusions?: string) =>
    (
      await call(
        app,
        'admin',
        'GET',
        `/api/metrics/rates?region=xianghe&from=${chinaMonth()}&to=${chinaMonth()}${exclusions ? `&exclusions=${exclusions}` : ''}`,
      )
    ).body
  // Nothing excluded yet (by hand): received 3; responded A, B → 2/3; closed A → 1/3; evaluated A, satisfied → 1/1.
  const all = {
    received: 3,
    excluded: 0,
    assessed: 3,
    responded: 2,
    responseRate: 2 / 3,
    closed: 1,
    closureRate: 1 / 3,
    evaluated: 1,
    satisfied: 1,
    satisfactionRate: 1,
    onTime: 1,
    onTimeBase: 1,
  }
  t.match((await rates()).overall, all, 'before any exclusion')

  // ── requests: who may ask ──
  const body = { reasonCode: 'malicious', reason: '同一来电人一个月内重复投诉二十次', evidence: ['通话记录 2026-11-01 至 2026-11-30', '附件 recording-17.mp3'] }
  t.equal((await call(app, 'grid01', 'POST', `/api/cases/${a.id}/exclusions`, body)).status, 403, 'a grid worker who sees the case may not ask')
  t.equal((await call(app, 'xinyuan-dispatcher', 'POST', `/api/cases/${a.id}/exclusions`, body)).status, 404, 'another county learns nothing')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/cases/${a.id}/exclusions`, { ...body, reasonCode: 'boring' })).status, 400, 'unknown reason code')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/cases/${a.id}/exclusions`, { reasonCode: 'malicious', reason: '   ' })).status, 400, 'a blank reason')
  const req = await call(app, 'urban-officer', 'POST', `/api/cases/${a.id}/exclusions`, body)
  t.equal(req.status, 201, JSON.stringify(req.body))
  t.match(req.body, {
    caseId: a.id,
    reasonCode: 'malicious',
    reason: body.reason,
    evidence: body.evidence,
    status: 'pending',
    requestedBy: 'urban-officer',
    requestedUnit: 'xianghe-urban',
  })
  t.equal((await call(app, 'urban-officer', 'POST', `/api/cases/${a.id}/exclusions`, body)).status, 409, 'one pending request per case')
  t.match((await rates()).overall, all, 'a pending request changes no figure')

  // ── the supervisors' queue, in scope ──
  const queue = (await call(app, 'xianghe-supervisor', 'GET', '/api/exclusions?status=pending')).body
  t.same(
    queue.map((x: any) => x.id),
    [req.body.id],
  )
  t.equal(queue[0].caseNo, pa.caseNo)
  t.same((await call(app, 'gy-supervisor', 'GET', '/api/exclusions?status=pending')).body, [], 'another county’s supervisor sees none')
  t.equal((await call(app, 'urban-officer', 'GET', '/api/exclusions')).status, 403, 'a department handler has no queue')

  // ── the decision ──
  t.equal(
    (await call(app, 'gy-supervisor', 'POST', `/api/exclusions/${req.body.id}/decision`, { approve: true })).status,
    404,
    'another county’s supervisor: 404',
  )
  t.equal(
    (await call(app, 'xianghe-dispatcher', 'POST', `/api/exclusions/${req.body.id}/decision`, { approve: true })).status,
    403,
    'a dispatcher may not decide',
  )
  const ok = await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${req.body.id}/decision`, { approve: true, note: '核实为恶意重复投诉' })
  t.equal(ok.status, 200, JSON.stringify(ok.body))
  t.match(ok.body, { status: 'approved', decidedBy: 'xianghe-supervisor', decisionNote: '核实为恶意重复投诉' })
  t.equal((await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${req.body.id}/decision`, { approve: false, note: 'x' })).status, 409, 'decided once')
  const excluded = await getCase(app, a.id)
  t.ok(excluded.excludedAt, 'the case carries excludedAt')
  t.equal(excluded.status, 'closed', 'and stays in the record as it was')

  // With exclusions (by hand): A leaves every rate but stays in received.
  //   received 3, excluded 1, assessed 2; responded B → 1/2; closed 0 → 0/2; evaluated 0 → rates null.
  t.match((await rates()).overall, {
    received: 3,
    excluded: 1,
    assessed: 2,
    responded: 1,
    responseRate: 0.5,
    closed: 0,
    closureRate: 0,
    evaluated: 0,
    satisfactionRate: null,
    onTime: 0,
    onTimeBase: 0,
    onTimeRate: null,
  })
  t.equal((await rates()).exclusions, 'apply', 'applied by default')
  // Without: as before the exclusion, and `excluded` still says how many there are.
  const ignored = await rates('ignore')
  t.equal(ignored.exclusions, 'ignore')
  t.match(ignored.overall, { ...all, excluded: 1 })
  t.equal((await call(app, 'admin', 'GET', '/api/metrics/rates?exclusions=sometimes')).status, 400)
  // The dashboard serves both as well.
  const ov = (await call(app, 'admin', 'GET', `/api/metrics/overview?region=xianghe&month=${chinaMonth()}`)).body
  t.match(ov.totals, { received: 3, excluded: 1, assessed: 2, closed: 0 })
  const ovAll = (await call(app, 'admin', 'GET', `/api/metrics/overview?region=xianghe&month=${chinaMonth()}&exclusions=ignore`)).body
  t.match(ovAll.totals, { received: 3, excluded: 1, assessed: 3, closed: 1 })

  // ── refusal (case B), and the requester may not decide their own (case C) ──
  const rb = await call(app, 'urban-officer', 'POST', `/api/cases/${b.id}/exclusions`, { reasonCode: 'duplicate', reason: '与另一件重复' })
  t.equal(rb.status, 201)
  const noNote = await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${rb.body.id}/decision`, { approve: false })
  t.equal(noNote.status, 400, 'a refusal needs a note')
  t.equal(noNote.body.details[0].field, 'note')
  t.match(noNote.body, { key: 'error.exclusion.refusalNote', message: '不同意剔单须说明理由 / a refusal needs a note' })
  const refused = await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${rb.body.id}/decision`, { approve: false, note: '未找到重复件' })
  t.match(refused.body, { status: 'refused', decisionNote: '未找到重复件' })
  t.equal((await getCase(app, b.id)).excludedAt, null)
  t.equal(
    (await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${rb.body.id}/reversal`, { note: 'x' })).status,
    409,
    'only an approved exclusion is reversed',
  )
  const rc = await call(app, 'xh-disp-sup', 'POST', `/api/cases/${c.id}/exclusions`, { reasonCode: 'outside_remit', reason: '私人物业路灯' })
  t.equal(rc.status, 201, 'a dispatcher whose region covers the case may ask')
  t.equal(
    (await call(app, 'xh-disp-sup', 'POST', `/api/exclusions/${rc.body.id}/decision`, { approve: true })).status,
    403,
    'the requester cannot approve their own',
  )
  t.match((await rates()).overall, { excluded: 1, assessed: 2 }, 'refused and pending requests change nothing')

  // ── reversal restores ──
  t.equal((await call(app, 'gy-supervisor', 'POST', `/api/exclusions/${req.body.id}/reversal`, { note: 'x' })).status, 404)
  const rev = await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${req.body.id}/reversal`, { note: '复核：来电人反映的问题属实' })
  t.equal(rev.status, 200)
  t.match(rev.body, { status: 'reversed', reversedBy: 'xianghe-supervisor', reversalNote: '复核：来电人反映的问题属实' })
  t.equal((await getCase(app, a.id)).excludedAt, null)
  t.match((await rates()).overall, all, 'the figures are as before the exclusion')
  t.equal((await call(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${req.body.id}/reversal`, { note: 'again' })).status, 409)

  // ── history: every request, decision and reversal, with the words verbatim; none public ──
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${a.id}/history`)).body.filter((h: any) => h.type.startsWith('exclusion_'))
  t.same(
    hist.map((h: any) => [h.type, h.actor]),
    [
      ['exclusion_requested', 'urban-officer'],
      ['exclusion_approved', 'xianghe-supervisor'],
      ['exclusion_reversed', 'xianghe-supervisor'],
    ],
  )
  t.same(hist[0].data, { exclusionId: req.body.id, reasonCode: 'malicious', reason: body.reason, evidence: body.evidence, unit: 'xianghe-urban' })
  // The sentence names the reason code's label (exclusionReason.malicious); the reason follows whole.
  t.equal(hist[0].message, `申请剔单（恶意诉求） / Asked to exclude the case from assessment (malicious)：${body.reason}`)
  t.equal(hist[1].data.note, '核实为恶意重复投诉')
  t.equal(hist[2].data.note, '复核：来电人反映的问题属实')
  const track = await call(app, null, 'GET', `/api/public/track/${pa.caseNo}?code=${pa.trackingCode}`)
  t.notOk(JSON.stringify(track.body).includes(body.reason), 'the citizen’s timeline does not show the dispute')
  t.same(
    (await call(app, 'urban-officer', 'GET', `/api/cases/${a.id}/exclusions`)).body.map((x: any) => x.status),
    ['reversed'],
  )
})
