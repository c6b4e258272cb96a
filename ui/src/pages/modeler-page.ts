import { ApiError, get, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, messageText, named, serverText, t, tr } from '../lib/i18n.js'
import { ROLE } from '../lib/names.js'
import type { Problem } from '../lib/problems.js'
import { navigate, onLeave, type Ctx } from '../lib/router.js'
import { badge, errorBox, errorText, loadCss, loading, pageHead, toast } from '../lib/ui.js'
import { deployerLabel, tenantLabel, type Definition } from './processes.js'
import type { Answer } from '../lib/api-types.js'

// Names in both languages, as the platform writes them ("中文 / English"): the case page and
// the task list show the half for their reader's language.
const NEW_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1" targetNamespace="http://shuoshi.local/bpmn">
  <bpmn:process id="new_process" name="新流程 / New process" isExecutable="true">
    <bpmn:startEvent id="start" name="开始 / Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="handle" name="办理 / Handle" camunda:candidateGroups="role:dispatcher"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end" name="结束 / End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d1"><bpmndi:BPMNPlane id="p1" bpmnElement="new_process">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="handle_di" bpmnElement="handle"><dc:Bounds x="250" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="412" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="120" /><di:waypoint x="250" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="350" y="120" /><di:waypoint x="412" y="120" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`

const ROLES: [string, string, string][] = [
  ['dispatcher', '调度员（综治中心）', 'Dispatcher (centre)'],
  ['grid_worker', '网格员', 'Grid worker'],
  ['grid_leader', '网格长', 'Grid leader'],
  ['handler', '承办人（部门/股室）', 'Handler (department)'],
  ['leader', '领导（审批）', 'Leader (approves)'],
  ['callback', '回访员', 'Callback staff'],
  ['supervisor', '督办员', 'Supervisor'],
  ['county_admin', '县级管理员', 'County administrator'],
  ['admin', '系统管理员', 'Administrator'],
]

interface Unit {
  code: string
  name: string
  nameEn?: string | null
  kind: string
  regionCode: string
}

/** A process by its name in the reader's language ("一般问题接单快速办", not "… / Ordinary handling"). */
const procName = (d: Pick<Definition, 'name' | 'key'>) => serverText(d.name) || d.key
const textOf = (x: Node | string) => (typeof x === 'string' ? x : (x.textContent ?? ''))

/** /admin/modeler?from=<definition id>: edit (a copy of) a version and deploy it as a new one. */
export async function modelerPage(ctx: Ctx) {
  const from = ctx.query.get('from')
  const user = session.user!
  const isAdmin = user.roles.includes('admin')
  ctx.view.classList.add('wide')
  const status = h('div', { class: 'modeler-status', 'data-testid': 'modeler-status', role: 'status' })
  const problemList = h('div', { class: 'problems', 'data-testid': 'problems' })
  const tenantSel = h('select', { 'data-testid': 'deploy-tenant', 'aria-label': t('部署范围', 'Deploy for') })
  const deployBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'deploy', disabled: true }, t('部署', 'Deploy'))
  const downloadBtn = h('button', { type: 'button', disabled: true }, t('下载 XML', 'Download XML'))
  const canvas = h('div', { class: 'canvas', 'data-testid': 'canvas' })
  const props = h('div', { class: 'props', 'data-testid': 'properties' })
  const picker = h('div', { class: 'card picker', 'data-testid': 'group-picker', hidden: true })
  ctx.view.append(
    pageHead(
      from ? t('编辑流程', 'Edit process') : t('新建流程', 'New process'),
      h('label', { class: 'inline' }, t('部署为', 'Deploy as'), ' ', tenantSel),
      h('a', { class: 'button', href: '/admin/forms' }, t('表单管理', 'Forms')),
      downloadBtn,
      deployBtn,
    ),
    status,
    problemList,
    h('div', { class: 'modeler-layout' }, canvas, h('div', { class: 'side' }, picker, props)),
  )

  // Tenants: an administrator deploys the city default or any county's version; a county admin only theirs.
  const counties = async () => {
    const top = await get<Answer<'/api/public/regions'>>('/api/public/regions')
    const all = await Promise.all(top.map((r) => (r.level === 'county' ? [r] : get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${r.code}`))))
    return all.flat().filter((c) => c.level === 'county')
  }
  if (isAdmin) {
    tenantSel.append(h('option', { value: '' }, t('市级默认（全市）', 'City default (everyone)')))
    try {
      for (const c of await counties())
        tenantSel.append(h('option', { value: c.code }, t(`县级版本：${named(c)}（${c.code}）`, `County version: ${named(c)} (${c.code})`)))
    } catch {
      /* the city default still works */
    }
  } else {
    // The county by name (its code is the option's value, which deploy sends).
    const mine = await counties()
      .then((list) => list.find((c) => c.code === user.tenant))
      .catch(() => undefined)
    const label = mine ? named(mine) : (user.tenant ?? '')
    tenantSel.append(h('option', { value: user.tenant ?? '' }, t(`本县版本：${label}`, `County version: ${label}`)))
    tenantSel.disabled = true
  }

  let xml = NEW_DIAGRAM
  if (from) {
    const def = await get<Answer<'/api/process-definitions/{id}/xml'>>(`/api/process-definitions/${encodeURIComponent(from)}/xml`)
    xml = def.xml
    status.append(
      h(
        'span',
        { class: 'muted' },
        t(
          `基于 ${def.key} v${def.version}（${tenantLabel(def.tenant, def)}）编辑；部署后生成新版本，原版本不变。`,
          `Editing a copy of ${def.key} v${def.version} (${tenantLabel(def.tenant, def)}); deploying makes a new version.`,
        ),
      ),
    )
    if (!isAdmin || def.tenant) tenantSel.value = def.tenant ?? user.tenant ?? ''
    if (!isAdmin) tenantSel.value = user.tenant ?? ''
  }
  await loadCss('/modeler.css')
  const { createModeler } = await import('../modeler.js')
  if (!ctx.alive()) return
  const modeler = createModeler(canvas, props)
  onLeave(() => modeler.destroy())
  try {
    await modeler.importXML(xml)
  } catch (err) {
    status.append(errorBox(err))
  }

  // Candidate groups from the real organisation: role, unit, or role in unit.
  const units = await get<Unit[]>(`/api/org/units${!isAdmin && user.tenant ? `?region=${user.tenant}` : ''}`).catch(() => [] as Unit[])
  // Roles and units by name only: the token the diagram stores is the option's value.
  const roleSel = h(
    'select',
    { 'data-testid': 'pick-role', id: 'pick-role' },
    h('option', { value: '' }, t('（任意角色）', '(any role)')),
    ROLES.map(([r, zh, en]) => h('option', { value: r }, t(zh, en))),
  )
  const unitSel = h(
    'select',
    { 'data-testid': 'pick-unit', id: 'pick-unit' },
    h('option', { value: '' }, t('（任意单位）', '(any unit)')),
    units.map((u) => h('option', { value: u.code }, named(u))),
  )
  const unitNames = new Map(units.map((u) => [u.code, named(u)]))
  /** A candidate group as a reader says it; an expression (=…, ${…}) is the administrator's own text. */
  const groupName = (token: string): Node | string => {
    const unit = (code: string) => unitNames.get(code) ?? code
    const role = (r: string) => tr(ROLE, r)
    let m: RegExpExecArray | null
    if ((m = /^unit:(.+)$/.exec(token))) return unit(m[1])
    if ((m = /^role:(\w+)$/.exec(token))) return role(m[1])
    if ((m = /^(\w+)@(.+)$/.exec(token))) return t(`${unit(m[2])}${role(m[1])}`, `${role(m[1])} at ${unit(m[2])}`)
    return h('span', null, t('表达式 ', 'expression '), h('code', null, token))
  }
  const token = () =>
    roleSel.value && unitSel.value
      ? `${roleSel.value}@${unitSel.value}`
      : roleSel.value
        ? `role:${roleSel.value}`
        : unitSel.value
          ? `unit:${unitSel.value}`
          : ''
  // What 添加为候选组 adds, by name (it was the bare token, or "—" in an unlabelled box).
  const preview = h('span', { class: 'token', 'data-testid': 'group-preview', 'aria-live': 'polite' })
  const chips = h('div', { class: 'chips', 'data-testid': 'group-chips' })
  let selected: { id: string; type: string; candidateGroups: string[] } | null = null
  const addBtn = h('button', { type: 'button', class: 'primary small', 'data-testid': 'add-group' }, t('添加为候选组', 'Add candidate group'))
  const renderPicker = () => {
    picker.hidden = !selected || selected.type !== 'bpmn:UserTask'
    clear(
      preview,
      token() ? [t('将添加：', 'Adds: '), groupName(token())] : h('span', { class: 'muted' }, t('请先选择角色或单位', 'Choose a role or a unit first')),
    )
    addBtn.disabled = !token()
    clear(
      chips,
      selected?.candidateGroups.length
        ? selected.candidateGroups.map((g) =>
            h(
              'span',
              { class: 'chip', 'data-group': g },
              groupName(g),
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': t(`移除 ${textOf(groupName(g))}`, `Remove ${textOf(groupName(g))}`),
                  onclick: () =>
                    modeler.setCandidateGroups(
                      selected!.id,
                      selected!.candidateGroups.filter((x) => x !== g),
                    ),
                },
                '×',
              ),
            ),
          )
        : h('span', { class: 'muted small' }, t('尚无候选组', 'no candidate groups yet')),
    )
  }
  roleSel.onchange = unitSel.onchange = renderPicker
  // Search by name (or code) over the county's or city's ~100 units: the list narrows to the
  // matches and the first is chosen. A native select keeps keyboard and screen-reader use as is;
  // unit-picker.ts's combobox reads a case's dispatch targets, which a diagram has none of.
  const unitSearch = h('input', {
    type: 'search',
    'data-testid': 'pick-unit-search',
    placeholder: t('搜索单位名称', 'Search units by name'),
    'aria-label': t('搜索单位名称', 'Search units by name'),
  })
  unitSearch.oninput = () => {
    const q = unitSearch.value.trim().toLowerCase()
    let first: HTMLOptionElement | null = null
    for (const o of Array.from(unitSel.options)) {
      if (!o.value) continue
      const hit = !q || (o.textContent ?? '').toLowerCase().includes(q)
      o.hidden = !hit
      if (hit && !first) first = o
    }
    if (q) unitSel.value = first?.value ?? ''
    renderPicker()
  }
  addBtn.onclick = () => {
    if (!selected || !token()) return
    modeler.setCandidateGroups(selected.id, [...new Set([...selected.candidateGroups, token()])])
  }
  picker.append(
    h('h3', null, t('候选组（谁来办理）', 'Candidate groups (who receives it)')),
    chips,
    h('div', { class: 'picker-row' }, h('label', { for: 'pick-role' }, t('角色', 'Role')), roleSel),
    h('div', { class: 'picker-row' }, h('label', { for: 'pick-unit' }, t('单位', 'Unit')), unitSel),
    h('div', { class: 'picker-row indent' }, unitSearch),
    h('div', { class: 'picker-row' }, preview, addBtn),
    h(
      'small',
      { class: 'hint' },
      t(
        '选角色 = 该角色所有人；选单位 = 该单位所有人；两者都选 = 该单位中的该角色。',
        'Role = everyone with it; unit = everyone in it; both = that role in that unit.',
      ),
    ),
  )
  modeler.onSelect((sel) => {
    selected = sel
    renderPicker()
  })
  renderPicker()

  downloadBtn.onclick = async () => {
    const out = await modeler.saveXML()
    const a = h('a', { href: URL.createObjectURL(new Blob([out], { type: 'application/xml' })), download: 'process.bpmn' })
    a.click()
  }

  deployBtn.onclick = async () => {
    deployBtn.disabled = true
    modeler.clearProblems()
    clear(problemList)
    clear(status, h('span', { class: 'muted' }, t('正在校验并部署…', 'Validating and deploying…')))
    try {
      const out = await modeler.saveXML()
      const tenant = tenantSel.value || null
      const res = await fetchDeploy(out, tenant)
      if (!ctx.alive()) return
      if (res.created) {
        clear(
          status,
          h(
            'div',
            { class: 'alert ok', 'data-testid': 'deploy-ok' },
            t(
              `已部署 ${procName(res.def)} v${res.def.version}（${tenantLabel(res.def.tenant, res.def)}）`,
              `Deployed ${procName(res.def)} v${res.def.version} (${tenantLabel(res.def.tenant, res.def)})`,
            ),
            ' ',
            h('a', { href: '/admin/processes' }, t('返回流程列表', 'Back to processes')),
          ),
        )
        toast(t('部署成功', 'Deployed'))
      } else {
        clear(
          status,
          h('div', { class: 'alert', 'data-testid': 'deploy-unchanged' }, t(`内容未变化，仍为 v${res.def.version}`, `Unchanged: still v${res.def.version}`)),
        )
      }
    } catch (err) {
      const details: Problem[] = err instanceof ApiError ? ((err.details ?? []) as Problem[]) : []
      modeler.showProblems(details)
      clear(
        status,
        h(
          'div',
          { class: 'alert error', 'data-testid': 'deploy-error' },
          t('未部署：', 'Not deployed: '),
          err instanceof ApiError ? messageText(err) : errorText(err),
        ),
      )
      clear(
        problemList,
        details.length
          ? h(
              'ul',
              { class: 'problem-list' },
              details.map((d) =>
                h(
                  'li',
                  null,
                  d.elementId
                    ? h(
                        'button',
                        { type: 'button', class: 'link', onclick: () => modeler.focus(d.elementId!) },
                        // The element by its name in the reader's language ("办理", not "办理 / Handle (ut_handle)").
                        serverText(modeler.elementName(d.elementId)) || t('（未命名的元素）', '(unnamed element)'),
                      )
                    : h('b', null, t('整个流程', 'Diagram')),
                  t('：', ': '),
                  // key + params in the chosen language; the bilingual message only for older answers
                  messageText(d),
                ),
              ),
            )
          : null,
      )
    } finally {
      deployBtn.disabled = false
    }
  }
  // Wired to the editor now (disabled until then: an early click did nothing).
  deployBtn.disabled = downloadBtn.disabled = false
}

async function fetchDeploy(xml: string, tenant: string | null) {
  // post() hides the status code; 201 = new version, 200 = unchanged XML.
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${session.token}` }
  const res = await fetch('/api/process-definitions', { method: 'POST', headers, body: JSON.stringify(tenant ? { xml, tenant } : { xml }) })
  const json = await res.json().catch(() => ({}))
  if (!res.ok) throw new ApiError(res.status, json.error ?? 'http', json.message ?? res.statusText, json.details, json.key, json.params)
  return { created: res.status === 201, def: json as Definition }
}

/** /admin/definitions/:id: any version, read-only, in the viewer. */
export async function definitionPage(ctx: Ctx) {
  const id = ctx.params.id
  ctx.view.classList.add('wide')
  const info = h('div', null, loading())
  const canvas = h('div', { class: 'canvas', 'data-testid': 'canvas' })
  ctx.view.append(info, canvas)
  const [def] = await Promise.all([
    get<Answer<'/api/process-definitions/{id}/xml'>>(`/api/process-definitions/${encodeURIComponent(id)}/xml`),
    loadCss('/viewer.css'),
  ])
  const { createViewer } = await import('../viewer.js')
  if (!ctx.alive()) return
  clear(
    info,
    pageHead(
      `${def.name ? serverText(def.name) : def.key} v${def.version}`,
      badge(t('只读', 'read-only')),
      h('a', { class: 'button primary', href: `/admin/modeler?from=${encodeURIComponent(def.id)}` }, t('基于此版本编辑', 'Edit as new version')),
    ),
    h(
      'p',
      { class: 'muted' },
      h('code', null, def.key),
      ` · ${tenantLabel(def.tenant, def)} · ${t('部署于', 'deployed')} ${fmtTime(def.deployedAt)} · ${deployerLabel(def)}`,
    ),
  )
  const viewer = createViewer(canvas)
  onLeave(() => viewer.destroy())
  await viewer.importXML(def.xml)
  void navigate
}
