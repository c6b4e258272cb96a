import { ApiError, session, type ErrorBody } from './api.js'
import { clear, h, type Attrs } from './dom.js'
import { fmtTime, serverText, t } from './i18n.js'
import { errorBox, toast } from './ui.js'

/**
 * Photos and files on cases (src/files/README.md): a picker with previews, an uploader and a
 * gallery. Files are fetched with the caller's credentials (a bearer token, or the citizen's
 * X-Tracking-Code) and shown through blob: URLs — an <img src> cannot send either header, and
 * the code must never go into a URL.
 */

export interface Attachment {
  id: string
  kind: 'petition' | 'intake' | 'before' | 'after' | 'result'
  taskId?: string | null
  taskName?: string | null
  fileName: string | null
  mediaType: string
  image: boolean
  size: number
  width: number | null
  height: number | null
  published: boolean
  own?: boolean
  createdAt: string
  uploadedBy?: { username: string; displayName: string } | null
}

export const KIND_NAMES: Record<Attachment['kind'], [string, string]> = {
  petition: ['群众上传', "Citizen's"],
  intake: ['登记时', 'At intake'],
  before: ['处置前', 'Before'],
  after: ['处置后', 'After'],
  result: ['办理结果', 'Result'],
}
const kindName = (k: Attachment['kind']) => t(...(KIND_NAMES[k] ?? [k, k]))

/** The most a citizen adds to a petition, as the server's limit (CASE_LIMITS.maxCitizenFiles). */
export const MAX_PHOTOS = 6
const MAX_BYTES = 10 * 1024 * 1024

function authHeaders(url: string, extra: Record<string, string>): Record<string, string> {
  const token = session.token
  return { ...extra, ...(token && !url.startsWith('/api/public/') && { authorization: `Bearer ${token}` }) }
}

async function fail(res: Response): Promise<never> {
  let json: ErrorBody | null = null
  try {
    json = await res.json()
  } catch {
    /* not JSON */
  }
  throw new ApiError(res.status, json?.error ?? `http_${res.status}`, json?.message ?? res.statusText, json?.details, json?.key, json?.params)
}

/** Sends files (and fields, before them, as the server reads them) as multipart/form-data. */
/**
 * The button that sends chosen files, for staff and citizen alike: nothing chosen says so; while
 * sending it is disabled (no double upload); then the picker is reset, "Uploaded" toasted and the
 * list reloaded; a refusal (type, size, scope) shows in `msg` in the chosen language.
 */
export function uploadButton(
  label: string,
  attrs: Attrs,
  msg: HTMLElement,
  o: { files: () => File[]; upload: (files: File[]) => Promise<unknown>; reset: () => void; reload: () => Promise<void> },
): HTMLButtonElement {
  const send = h(
    'button',
    {
      ...attrs,
      type: 'button',
      onclick: async () => {
        clear(msg)
        const files = o.files()
        if (!files.length) return void msg.append(h('div', { class: 'alert error' }, t('请先选择文件', 'Choose a file first')))
        send.disabled = true
        try {
          await o.upload(files)
          o.reset()
          toast(t('已上传', 'Uploaded'))
          await o.reload()
        } catch (err) {
          msg.append(errorBox(err))
        } finally {
          send.disabled = false
        }
      },
    },
    label,
  )
  return send
}

export async function uploadFiles(
  url: string,
  files: File[],
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Attachment[]> {
  const fd = new FormData()
  for (const [k, v] of Object.entries(fields)) fd.append(k, v)
  for (const f of files) fd.append('file', f, f.name)
  const res = await fetch(url, { method: 'POST', headers: authHeaders(url, { ...headers, accept: 'application/json' }), body: fd })
  if (!res.ok) return fail(res)
  return (await res.json()).items
}

async function blobUrl(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { headers: authHeaders(url, headers) })
  if (!res.ok) return fail(res)
  return URL.createObjectURL(await res.blob())
}

/**
 * Choosing photos on a phone: one button opens the camera (`capture`), one the album; each
 * chosen photo shows as a preview with a remove button. Nothing is sent until `files()` is read.
 */
export function photoPicker(opts: { testid?: string; max?: number } = {}) {
  const max = opts.max ?? MAX_PHOTOS
  let chosen: { file: File; url: string }[] = []
  const previews = h('div', { class: 'thumbs', 'data-testid': `${opts.testid ?? 'photos'}-previews` })
  const note = h('div', { class: 'small muted', 'aria-live': 'polite' })
  const input = (camera: boolean) =>
    h('input', {
      type: 'file',
      accept: 'image/*',
      ...(camera ? { capture: 'environment' } : { multiple: true }),
      class: 'visually-hidden',
      'data-testid': `${opts.testid ?? 'photos'}-${camera ? 'camera' : 'album'}`,
      onchange: (e: Event) => {
        const el = e.currentTarget as HTMLInputElement
        add([...(el.files ?? [])])
        el.value = ''
      },
    })
  const camera = input(true)
  const album = input(false)
  const draw = () => {
    clear(
      previews,
      chosen.map((c, i) =>
        h(
          'figure',
          { class: 'thumb' },
          h('img', { src: c.url, alt: t(`照片 ${i + 1}`, `Photo ${i + 1}`) }),
          h('button', { type: 'button', class: 'thumb-remove', 'aria-label': t(`移除照片 ${i + 1}`, `Remove photo ${i + 1}`), onclick: () => remove(i) }, '×'),
        ),
      ),
    )
    note.textContent = t(`已选 ${chosen.length}/${max} 张，每张不超过 10 MB`, `${chosen.length} of ${max} chosen, up to 10 MB each`)
  }
  const add = (files: File[]) => {
    const problems: string[] = []
    for (const f of files) {
      if (chosen.length >= max) {
        problems.push(t(`最多 ${max} 张`, `At most ${max} photos`))
        break
      }
      // The server judges the content; this only spares a phone a hopeless upload.
      if (f.size > MAX_BYTES) problems.push(t('有照片超过 10 MB，未添加', 'A photo over 10 MB was left out'))
      else chosen.push({ file: f, url: URL.createObjectURL(f) })
    }
    draw()
    if (problems.length) toast(problems.join('；'), 'error')
  }
  const remove = (i: number) => {
    URL.revokeObjectURL(chosen[i].url)
    chosen = chosen.filter((_, j) => j !== i)
    draw()
  }
  draw()
  const el = h(
    'div',
    { class: 'photo-picker' },
    h(
      'div',
      { class: 'actions-bar' },
      h('label', { class: 'button' }, camera, t('拍照', 'Take a photo')),
      h('label', { class: 'button' }, album, t('从相册选择', 'Choose from album')),
    ),
    note,
    previews,
  )
  return { el, files: () => chosen.map((c) => c.file), clear: () => ((chosen = []), draw()) }
}

/**
 * A gallery of a case's files. `fileUrl(id)` is where the bytes are, `headers` prove who asks.
 * With `onPublish`, each staff photo gets a "show the citizen" switch.
 */
export function gallery(
  items: Attachment[],
  opts: {
    fileUrl: (id: string) => string
    headers?: Record<string, string>
    onPublish?: (a: Attachment, on: boolean) => Promise<void>
    testid?: string
    staff?: boolean
  },
) {
  const headers = opts.headers ?? {}
  if (!items.length) return h('p', { class: 'muted', 'data-testid': opts.testid }, t('暂无照片或附件', 'No photos or files'))
  return h(
    'div',
    { class: 'gallery', 'data-testid': opts.testid },
    items.map((a, i) => {
      const caption = h(
        'figcaption',
        null,
        h('span', { class: 'badge' }, kindName(a.kind)),
        ' ',
        opts.staff && a.taskName ? serverText(a.taskName) : '',
        opts.staff && a.uploadedBy ? ` ${a.uploadedBy.displayName}` : '',
        h('span', { class: 'muted small' }, ` ${fmtTime(a.createdAt)}`),
      )
      const label = a.fileName ?? t(`照片 ${i + 1}`, `Photo ${i + 1}`)
      const body: HTMLElement = a.image
        ? h('img', { alt: label, loading: 'lazy', 'data-testid': 'gallery-image' })
        : h('button', { type: 'button', class: 'doc' }, t('下载', 'Download'), ' ', label)
      if (a.image) {
        // Each picture is fetched with the credentials and shown from a blob: URL.
        blobUrl(opts.fileUrl(a.id), headers)
          .then((u) => ((body as HTMLImageElement).src = u))
          .catch((err) => body.replaceWith(errorBox(err)))
      } else {
        body.onclick = async () => {
          try {
            const u = await blobUrl(opts.fileUrl(a.id), headers)
            const link = h('a', { href: u, download: label })
            document.body.append(link)
            link.click()
            link.remove()
            setTimeout(() => URL.revokeObjectURL(u), 10_000)
          } catch (err) {
            toast(String((err as Error).message), 'error')
          }
        }
      }
      const publish =
        opts.onPublish && a.image && a.kind !== 'petition'
          ? h(
              'label',
              { class: 'check small' },
              h('input', {
                type: 'checkbox',
                checked: a.published,
                'data-testid': 'publish-toggle',
                onchange: async (e: Event) => {
                  const box = e.currentTarget as HTMLInputElement
                  try {
                    await opts.onPublish!(a, box.checked)
                    toast(box.checked ? t('已向群众公开', 'Shown to the citizen') : t('已撤回公开', 'No longer shown'))
                  } catch (err) {
                    box.checked = !box.checked
                    toast(String((err as Error).message), 'error')
                  }
                },
              }),
              t('群众可见', 'Citizen can see'),
            )
          : opts.staff && a.published
            ? h('span', { class: 'badge ok' }, t('已公开', 'Published'))
            : null
      return h('figure', { class: 'gallery-item' }, body, caption, publish)
    }),
  )
}

/** The staff's files card of a case: the gallery, publish switches and an upload button. */
export function caseFilesCard(caseId: string, opts: { canUpload: boolean; taskId?: string; title?: [string, string] }) {
  const box = h('div')
  const msg = h('div')
  const base = `/api/cases/${encodeURIComponent(caseId)}/attachments`
  const load = async () => {
    try {
      const { items } = await (await fetch(base, { headers: authHeaders(base, { accept: 'application/json' }) }).then((r) => (r.ok ? r : fail(r)))).json()
      const shown = opts.taskId ? (items as Attachment[]).filter((a) => a.taskId === opts.taskId) : (items as Attachment[])
      clear(
        box,
        gallery(shown, {
          fileUrl: (id) => `${base}/${encodeURIComponent(id)}`,
          staff: true,
          testid: opts.taskId ? 'task-files' : 'case-files',
          onPublish: async (a, on) => {
            const res = await fetch(`${base}/${encodeURIComponent(a.id)}`, {
              method: 'PATCH',
              headers: authHeaders(base, { 'content-type': 'application/json', accept: 'application/json' }),
              body: JSON.stringify({ published: on }),
            })
            if (!res.ok) await fail(res)
          },
        }),
      )
    } catch (err) {
      clear(box, errorBox(err))
    }
  }
  // The native control says "Choose Files / No file chosen" in the browser's language: hidden
  // behind a label of ours, with the choice said in the page's language.
  const chosen = h('span', { class: 'small muted', 'aria-live': 'polite' }, t('未选择文件', 'No file chosen'))
  const file = h('input', {
    type: 'file',
    multiple: true,
    accept: 'image/*,application/pdf,.docx,.xlsx',
    class: 'visually-hidden',
    'data-testid': 'attach-input',
    onchange: () =>
      (chosen.textContent = file.files?.length
        ? t(`已选 ${file.files.length} 个文件`, `${file.files.length} file(s) chosen`)
        : t('未选择文件', 'No file chosen')),
  })
  const picker = h('div', { class: 'actions-bar' }, h('label', { class: 'button' }, file, t('选择照片或文件', 'Choose photos or files')), chosen)
  const kind = h(
    'select',
    { name: 'kind', 'data-testid': 'attach-kind', 'aria-label': t('附件类别', 'Kind of file') },
    (['before', 'after', 'result'] as const).map((k) => h('option', { value: k, selected: k === 'after' }, kindName(k))),
  )
  const publish = h('input', { type: 'checkbox', 'data-testid': 'attach-publish' })
  const send = uploadButton(t('上传', 'Upload'), { class: 'primary', 'data-testid': 'attach-upload' }, msg, {
    files: () => [...(file.files ?? [])],
    upload: (files) => uploadFiles(base, files, opts.taskId ? { taskId: opts.taskId, kind: kind.value, published: String(publish.checked) } : {}),
    reset: () => {
      file.value = ''
      chosen.textContent = t('未选择文件', 'No file chosen')
    },
    reload: load,
  })
  void load()
  const title = opts.title ?? ['照片与附件', 'Photos and files']
  return h(
    'section',
    { class: 'card', 'data-testid': opts.taskId ? 'task-files-card' : 'case-files-card' },
    h('h2', null, t(...title)),
    box,
    opts.canUpload
      ? h(
          'div',
          { class: 'upload-row' },
          h(
            'p',
            { class: 'small muted' },
            t(
              '照片（JPEG/PNG/WebP）或文件（PDF/Word/Excel），每个不超过 10 MB；照片会去除拍摄位置等信息。',
              'Photos (JPEG/PNG/WebP) or documents (PDF/Word/Excel), up to 10 MB each; photos lose their location and camera data.',
            ),
          ),
          picker,
          opts.taskId ? h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('类别', 'Kind')), kind) : null,
          opts.taskId ? h('label', { class: 'check' }, publish, t('照片向群众公开', 'Show the photos to the citizen')) : null,
          send,
          msg,
        )
      : null,
  )
}
