import type { Answer, Item } from '../lib/api-types.js'
import { get, patch, post, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, named, t, tr } from '../lib/i18n.js'
import { loadNames, ROLE } from '../lib/names.js'
import { personName } from '../lib/timeline.js'
import type { Ctx } from '../lib/router.js'
import { badge, busy, errorBox, field, loading, pageHead, toast } from '../lib/ui.js'

type User = Item<'/api/org/users'>
type Unit = Item<'/api/org/units'>
type Change = Answer<'/api/org/users/{username}/changes'>['items'][number]

/** The creation route's username rule (src/org/user-routes.ts), for the browser's own check. */
const USERNAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{1,63}'

/** What the form changes of `u`: a field left as it was is not sent, so it is not written either. */
function changes(u: User, f: { displayName: string; roles: string[]; unitCode: string; groups: string[] }) {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x))
  return {
    ...(f.displayName !== u.displayName && { displayName: f.displayName }),
    ...(!same(f.roles, u.roles) && { roles: f.roles }),
    ...(f.unitCode && f.unitCode !== u.unitCode && { unitCode: f.unitCode }),
    ...(!same(f.groups, u.groups) && { groups: f.groups }),
  }
}

/** Plain groups as typed: separated by commas (either width), 、 or spaces. */
const groupsOf = (text: string) => [...new Set(text.split(/[,，、\s]+/).filter(Boolean))]

/**
 * The users an administrator looks after (the server scopes the list: a county administrator
 * their county's, the city's administrator everyone), filtered here by unit, role and text; a
 * user is created, changed, deactivated or given a new password from this page. The server
 * checks every change again: what this page leaves out (another administrator's row, one's own
 * deactivation) it would refuse anyway.
 */
export async function usersPage(ctx: Ctx) {
  const me = session.user!
  const isAdmin = me.roles.includes('admin')
  ctx.view.classList.add('wide')
  const newBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'new-user', disabled: true }, t('新建用户', 'New user'))
  const editor = h('section', { class: 'card user-editor', hidden: true, 'data-testid': 'user-editor' })
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('用户管理', 'Users'), newBtn),
    h(
      'p',
      { class: 'muted' },
      isAdmin
        ? t(
            '全市的用户。停用的用户不能登录，也不再收到新任务；其已登录的设备立即退出，已认领的任务退回所在组。',
            'Every user of the city. A deactivated user cannot sign in and receives no new tasks; their devices are signed out at once and the tasks they claimed go back to their group.',
          )
        : t(
            '本县的用户。停用的用户不能登录，也不再收到新任务；其已登录的设备立即退出，已认领的任务退回所在组。',
            'The users of your county. A deactivated user cannot sign in and receives no new tasks; their devices are signed out at once and the tasks they claimed go back to their group.',
          ),
    ),
    editor,
    body,
  )

  let users: User[]
  let units: Unit[]
  try {
    ;[users, units] = await Promise.all([
      get<User[]>('/api/org/users'),
      // A county administrator places users in their county's units only (the server refuses others).
      get<Unit[]>(isAdmin || !me.tenant ? '/api/org/units' : `/api/org/units?region=${encodeURIComponent(me.tenant)}`),
    ])
  } catch (err) {
    if (ctx.alive()) clear(body, errorBox(err))
    return
  }
  if (!ctx.alive()) return
  const unitNames = new Map(units.map((u) => [u.code, named(u)]))
  const unitName = (code: string | null) => (code ? (unitNames.get(code) ?? code) : '—')
  // Roles this administrator may hand out: a county administrator never the system administrator's.
  const grantable = Object.keys(ROLE).filter((r) => isAdmin || r !== 'admin')
  /** Whether the server would let this administrator change `u` at all. */
  const mayChange = (u: User) => isAdmin || !u.roles.includes('admin')

  const reload = async () => {
    users = await get<User[]>('/api/org/users')
    if (ctx.alive()) renderList()
  }

  // ── the editor: a new user, or a change of one ──
  const openEditor = (u: User | null) => {
    const username = h('input', {
      name: 'username',
      required: true,
      pattern: USERNAME_PATTERN,
      maxlength: 64,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      'data-testid': 'user-username',
    })
    const displayName = h('input', { name: 'displayName', required: true, maxlength: 100, value: u?.displayName ?? '', 'data-testid': 'user-display-name' })
    const password = h('input', {
      name: 'password',
      type: 'password',
      required: true,
      minlength: 8,
      maxlength: 256,
      autocomplete: 'new-password',
      'data-testid': 'user-password',
    })
    const unit = h(
      'select',
      // A user the command line made without a unit keeps none until one is chosen.
      { name: 'unitCode', required: !u?.unitCode, 'data-testid': 'user-unit' },
      h('option', { value: '' }, t('请选择单位', 'Choose a unit')),
      units.map((x) => h('option', { value: x.code, selected: u?.unitCode === x.code }, named(x))),
    )
    const roleBoxes = grantable.map((r) =>
      h('input', { type: 'checkbox', name: 'roles', value: r, checked: u?.roles.includes(r), 'data-testid': `user-role-${r}` }),
    )
    const roles = h(
      'div',
      { class: 'radio-row' },
      grantable.map((r, i) => h('label', null, roleBoxes[i], tr(ROLE, r))),
    )
    const groups = h('input', { name: 'groups', maxlength: 2000, value: u?.groups.join(', ') ?? '', 'data-testid': 'user-groups' })
    const problem = h('div', { 'data-testid': 'user-error' })
    const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'user-save' }, u ? t('保存', 'Save') : t('创建', 'Create'))
    const cancel = h('button', { type: 'button', 'data-testid': 'user-cancel', onclick: () => closeEditor() }, t('取消', 'Cancel'))
    const form: HTMLFormElement = h(
      'form',
      {
        'data-testid': 'user-form',
        onsubmit: (e: Event) => {
          e.preventDefault()
          const picked = roleBoxes.filter((b) => b.checked).map((b) => b.value)
          // Said here in words: the server's refusal of a blank name names the API's field.
          if (!displayName.value.trim()) {
            clear(problem, errorBox(t('请填写姓名', 'Enter a name')))
            displayName.focus()
            return
          }
          if (!picked.length) {
            clear(problem, errorBox(t('请至少选择一个角色', 'Choose at least one role')))
            roleBoxes[0]?.focus()
            return
          }
          const fields = { displayName: displayName.value.trim(), roles: picked, unitCode: unit.value, groups: groupsOf(groups.value) }
          const changed = u && changes(u, fields)
          if (changed && !Object.keys(changed).length) return closeEditor()
          void busy(save, async () => {
            clear(problem)
            try {
              if (u) await patch(`/api/org/users/${encodeURIComponent(u.username)}`, changed)
              else await post('/api/org/users', { ...fields, username: username.value.trim(), password: password.value })
            } catch (err) {
              // The catalogue's sentence, beside the form it is about (the toast would go away).
              clear(problem, errorBox(err))
              return
            }
            toast(u ? t('已保存', 'Saved') : t('已创建用户', 'User created'))
            closeEditor()
            await reload()
          })
        },
      },
      u
        ? null
        : field(
            t('用户名', 'Username'),
            username,
            t('字母或数字开头，2–64 个字符，可用字母、数字和 . _ -', '2–64 characters, starting with a letter or digit; letters, digits and . _ -'),
            true,
          ),
      field(t('姓名', 'Display name'), displayName, undefined, true),
      u
        ? null
        : field(
            t('初始密码', 'Initial password'),
            password,
            t('至少 8 个字符；请当面或另行告知本人', 'At least 8 characters; tell the person in person or by another channel'),
            true,
          ),
      field(t('单位', 'Unit'), unit, undefined, true),
      field(t('角色', 'Roles'), roles, undefined, true),
      field(
        t('其他组（可选）', 'Other groups (optional)'),
        groups,
        t('流程中按组名派任务时使用，多个用逗号分隔', 'For tasks a process offers to a named group; separate several with commas'),
      ),
      // Said before saving: a move takes work out of their hands, which they may not expect.
      u
        ? h(
            'p',
            { class: 'muted small', 'data-testid': 'user-claims-note' },
            t(
              '更改单位、角色或其他组后，其已认领但不再有资格办理的任务将退回所在组，仍有资格的继续由其办理。',
              'After a change of unit, roles or groups, the tasks they claimed and no longer qualify for go back to their group; the rest stay theirs.',
            ),
          )
        : null,
      problem,
      h('div', { class: 'actions-bar' }, save, cancel),
    )
    // The record, read again after a password reset here, which adds to it.
    let shown = u ? changeHistory(u) : null
    clear(
      editor,
      h('h2', null, u ? t(`修改用户：${u.displayName}`, `Change user: ${u.displayName}`) : t('新建用户', 'New user')),
      u ? h('p', { class: 'muted' }, t('用户名', 'Username'), ' ', h('code', null, u.username)) : null,
      form,
      u && u.username !== me.username ? passwordReset(u, () => shown?.replaceWith((shown = changeHistory(u)))) : null,
      shown,
    )
    editor.hidden = false
    editor.scrollIntoView({ block: 'nearest' })
    ;(u ? displayName : username).focus()
  }
  const closeEditor = () => {
    editor.hidden = true
    clear(editor)
  }
  /** A new password for someone else (one's own needs the current one, which this does not ask). */
  const passwordReset = (u: User, done: () => void) => {
    const pw = h('input', { type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password', 'data-testid': 'user-new-password' })
    const problem = h('div')
    const btn = h('button', { type: 'submit', 'data-testid': 'user-reset-password' }, t('重设密码', 'Reset password'))
    const f: HTMLFormElement = h(
      'form',
      {
        class: 'password-reset',
        onsubmit: (e: Event) => {
          e.preventDefault()
          void busy(btn, async () => {
            clear(problem)
            try {
              await post(`/api/org/users/${encodeURIComponent(u.username)}/password`, { password: pw.value })
            } catch (err) {
              clear(problem, errorBox(err))
              return
            }
            pw.value = ''
            toast(t('密码已重设，该用户已登录的设备已退出', "Password reset; the user's devices were signed out"))
            done()
          })
        },
      },
      h('h3', null, t('重设密码', 'Reset password')),
      field(
        t('新密码', 'New password'),
        pw,
        t('至少 8 个字符；该用户已登录的设备将立即退出', "At least 8 characters; the user's devices are signed out at once"),
        true,
      ),
      problem,
      btn,
    )
    return f
  }
  /**
   * What administrators did to `u`, newest first (GET /api/org/users/:username/changes): who,
   * when, and each field from what to what. A password reset names no password.
   */
  const changeHistory = (u: User) => {
    const box = h('section', { class: 'user-history', 'data-testid': 'user-history' }, h('h3', null, t('修改记录', 'History')), loading())
    void (async () => {
      try {
        const { items } = await get<Answer<'/api/org/users/{username}/changes'>>(`/api/org/users/${encodeURIComponent(u.username)}/changes`)
        const regions = items.flatMap((c) => [c.changes.regionCode?.from, c.changes.regionCode?.to]).filter((x): x is string => typeof x === 'string')
        const names = await loadNames({ regions })
        if (!ctx.alive()) return
        clear(
          box,
          h('h3', null, t('修改记录', 'History')),
          items.length
            ? h(
                'ul',
                null,
                items
                  .slice(0, 10)
                  .map((c) =>
                    h(
                      'li',
                      { 'data-testid': 'user-change' },
                      h('span', { class: 'muted' }, fmtTime(c.at), ' · ', personName(c.by, c.byName)),
                      ' ',
                      changeText(c, names.region),
                    ),
                  ),
              )
            : h('p', { class: 'muted' }, t('没有记录。', 'Nothing recorded.')),
        )
      } catch (err) {
        if (ctx.alive()) clear(box, h('h3', null, t('修改记录', 'History')), errorBox(err))
      }
    })()
    return box
  }
  /** One row of the record in words: what was done, and each field's old and new value. */
  const changeText = (c: Change, regionName: (code: string) => string) => {
    if (c.action === 'passwordReset') return t('重设了密码', 'reset the password')
    const list = (v: unknown, each: (x: string) => string) => (Array.isArray(v) && v.length ? v.map((x) => each(String(x))).join(t('、', ', ')) : '—')
    const shown: Record<string, (v: unknown) => string> = {
      displayName: (v) => (typeof v === 'string' ? v : '—'),
      roles: (v) => list(v, (r) => tr(ROLE, r)),
      unitCode: (v) => (typeof v === 'string' ? unitName(v) : '—'),
      regionCode: (v) => (typeof v === 'string' ? regionName(v) || v : '—'),
      groups: (v) => list(v, (g) => g),
      active: (v) => (v === true ? t('在用', 'active') : v === false ? t('停用', 'deactivated') : '—'),
    }
    const label: Record<string, string> = {
      displayName: t('姓名', 'name'),
      roles: t('角色', 'roles'),
      unitCode: t('单位', 'unit'),
      regionCode: t('地区', 'region'),
      groups: t('其他组', 'other groups'),
      active: t('状态', 'status'),
    }
    const fields = Object.entries(c.changes).filter(([k, v]) => k in shown && v)
    const parts = fields.map(([k, v]) =>
      c.action === 'created' ? `${label[k]}${t('：', ': ')}${shown[k](v.to)}` : `${label[k]}${t('：', ': ')}${shown[k](v.from)} → ${shown[k](v.to)}`,
    )
    return [
      c.action === 'created' ? t('创建了用户', 'created the user') : t('修改了', 'changed'),
      parts.length ? h('div', { class: 'small' }, parts.join(t('；', '; '))) : null,
    ]
  }
  // Disabled until now, when the users have loaded: an earlier click did nothing.
  newBtn.onclick = () => openEditor(null)
  newBtn.disabled = false

  // ── the list and its filters (kept in the URL, so a filtered list survives a reload) ──
  const query = new URLSearchParams(location.search)
  const text = h('input', {
    type: 'search',
    value: query.get('q') ?? '',
    placeholder: t('姓名或用户名', 'name or username'),
    'aria-label': t('搜索', 'Search'),
    'data-testid': 'filter-q',
  })
  const unitFilter = h(
    'select',
    { 'aria-label': t('单位', 'Unit'), 'data-testid': 'filter-unit' },
    h('option', { value: '' }, t('全部单位', 'Any unit')),
    // Only the units someone of this list is in.
    units.filter((x) => users.some((u) => u.unitCode === x.code)).map((x) => h('option', { value: x.code, selected: query.get('unit') === x.code }, named(x))),
  )
  const roleFilter = h(
    'select',
    { 'aria-label': t('角色', 'Role'), 'data-testid': 'filter-role' },
    h('option', { value: '' }, t('全部角色', 'Any role')),
    Object.keys(ROLE).map((r) => h('option', { value: r, selected: query.get('role') === r }, tr(ROLE, r))),
  )
  const count = h('p', { class: 'muted', 'data-testid': 'users-count', 'aria-live': 'polite' })
  const rows = h('tbody')
  const filters = h(
    'form',
    { class: 'filters worklist-filters users-filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() },
    text,
    unitFilter,
    roleFilter,
  )
  for (const el of [text, unitFilter, roleFilter]) el.addEventListener(el === text ? 'input' : 'change', () => renderList())

  const toggleActive = (u: User) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'user-toggle-active',
        onclick: (e: Event) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            if (
              u.active &&
              !confirm(
                t(
                  `停用 ${u.displayName}（${u.username}）？其已登录的设备将立即退出，已认领的任务退回所在组。`,
                  `Deactivate ${u.displayName} (${u.username})? Their devices are signed out at once and the tasks they claimed go back to their group.`,
                ),
              )
            )
              return
            await patch(`/api/org/users/${encodeURIComponent(u.username)}`, { active: !u.active })
            toast(u.active ? t('已停用', 'Deactivated') : t('已启用', 'Reactivated'))
            await reload()
          }),
      },
      u.active ? t('停用', 'Deactivate') : t('启用', 'Reactivate'),
    )

  const renderList = () => {
    const q = text.value.trim().toLowerCase()
    const next = new URLSearchParams()
    if (q) next.set('q', text.value.trim())
    if (unitFilter.value) next.set('unit', unitFilter.value)
    if (roleFilter.value) next.set('role', roleFilter.value)
    const search = next.toString()
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`)
    const shown = users.filter(
      (u) =>
        (!unitFilter.value || u.unitCode === unitFilter.value) &&
        (!roleFilter.value || u.roles.includes(roleFilter.value)) &&
        (!q || u.username.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q)),
    )
    count.textContent = t(`显示 ${shown.length} 位，共 ${users.length} 位`, `${shown.length} of ${users.length} ${users.length === 1 ? 'user' : 'users'}`)
    clear(
      rows,
      shown.map((u) =>
        h(
          'tr',
          { 'data-testid': 'user-row', 'data-username': u.username },
          h('td', { class: 'u-name', 'data-testid': 'user-name' }, u.displayName),
          h('td', { class: 'u-username' }, h('code', null, u.username)),
          h('td', { class: 'u-unit', 'data-testid': 'user-unit-name' }, unitName(u.unitCode)),
          h(
            'td',
            { class: 'u-roles', 'data-testid': 'user-roles' },
            u.roles.map((r) => [badge(tr(ROLE, r)), ' ']),
          ),
          h('td', { class: 'u-status', 'data-testid': 'user-status' }, u.active ? badge(t('在用', 'Active'), 'ok') : badge(t('已停用', 'Inactive'), 'bad')),
          h(
            'td',
            { class: 'actions' },
            mayChange(u)
              ? [
                  h('button', { type: 'button', 'data-testid': 'user-edit', onclick: () => openEditor(u) }, t('修改', 'Edit')),
                  ' ',
                  u.username === me.username ? null : toggleActive(u),
                ]
              : null,
          ),
        ),
      ),
    )
    if (!shown.length)
      rows.append(h('tr', null, h('td', { colspan: 6, class: 'empty', 'data-testid': 'no-users' }, t('没有符合条件的用户。', 'No users match.'))))
  }

  clear(
    body,
    filters,
    count,
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('用户', 'Users') },
      h(
        'table',
        { class: 'table users-table phone-blocks', 'data-testid': 'users' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('姓名', 'Name')),
            h('th', null, t('用户名', 'Username')),
            h('th', null, t('单位', 'Unit')),
            h('th', null, t('角色', 'Roles')),
            h('th', null, t('状态', 'Status')),
            h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))),
          ),
        ),
        rows,
      ),
    ),
  )
  renderList()
}
