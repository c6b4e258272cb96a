import { createHash } from 'node:crypto'
import { HttpError, msg } from '../lib/errors.js'

/**
 * What a file is, judged by its bytes alone (file-type's signatures), and what is kept of it.
 * The declared Content-Type and the name's extension are never believed: a PNG named .pdf is
 * stored and served as the PNG it is, a text file named .jpg is refused.
 */

/** Images are decoded and re-encoded in their own format (below); documents are kept as sent and only ever served as downloads. */
export const IMAGE_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
} as const
export const DOCUMENT_TYPES = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
} as const
export type MediaType = keyof typeof IMAGE_TYPES | keyof typeof DOCUMENT_TYPES
const EXTENSIONS: Record<string, string> = { ...IMAGE_TYPES, ...DOCUMENT_TYPES }
export const ALLOWED_NAMES = 'JPEG, PNG, WebP, PDF, DOCX, XLSX'

/** Bounds of one file: bytes (the multipart limit) and decoded pixels (a small PNG can decode to gigabytes). */
export const FILE_LIMITS = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000 } as const

export const isImage = (type: string): type is keyof typeof IMAGE_TYPES => type in IMAGE_TYPES

export interface CheckedFile {
  bytes: Buffer
  mediaType: MediaType
  fileName: string
  size: number
  sha256: string
  width: number | null
  height: number | null
}

/**
 * file-type and sharp (libvips, a native library) are loaded on the first file, not at start:
 * importing them cost ~0.1 s of CPU (the test helper's import 617–690 → 531–602 ms), paid by every
 * start of the server and by each of the test suite's ~220 processes, most of which never see a
 * file. A failed load is not kept, so the next file tries again.
 */
let codecs: Promise<[typeof import('file-type'), typeof import('sharp')]> | undefined
function loadCodecs() {
  codecs ??= Promise.all([import('file-type'), import('sharp')]).catch((err: unknown) => {
    codecs = undefined
    throw err
  })
  return codecs
}

const unsupported = () => new HttpError(415, 'unsupported_media_type', msg('error.attachment.type', { allowed: ALLOWED_NAMES }))

/**
 * Checks one uploaded file and gives what is stored. Images are decoded and re-encoded with
 * sharp: decoding proves the bytes are the image they claim to be (a polyglot or a truncated
 * file fails here, as 415), and the re-encoded file carries no metadata — EXIF, including the GPS
 * position a phone writes into every photo, is gone, which matters for citizens' photos of their
 * own street. The original is not kept: it would keep the position too, and nothing needs it.
 * The orientation EXIF gave is applied to the pixels first, so the photo still stands upright.
 */
export async function checkFile(bytes: Buffer, declaredName: string | undefined): Promise<CheckedFile> {
  const [{ fileTypeFromBuffer }, { default: sharp }] = await loadCodecs()
  const sniffed = await fileTypeFromBuffer(bytes)
  const mediaType = sniffed?.mime as string | undefined
  const name = safeFileName(declaredName)
  if (!mediaType || !(mediaType in EXTENSIONS)) throw unsupported()
  let out = bytes
  let width: number | null = null
  let height: number | null = null
  if (isImage(mediaType)) {
    try {
      const img = sharp(bytes, { limitInputPixels: FILE_LIMITS.maxPixels, failOn: 'error' }).rotate()
      const encoded =
        // libjpeg-turbo's default path, not mozjpeg: mozjpeg took 25 s of CPU for a 12 MP photo
        // on the loaded test machine (bench/attachments.ts), the default path a fraction of it.
        mediaType === 'image/jpeg'
          ? img.jpeg({ quality: 85 })
          : mediaType === 'image/png'
            ? img.png({ compressionLevel: 6 })
            : img.webp({ quality: 85, effort: 2 })
      const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
      out = data
      width = info.width
      height = info.height
    } catch (err) {
      if (/pixel limit/i.test(String((err as Error).message)))
        throw new HttpError(413, 'payload_too_large', msg('error.attachment.tooManyPixels', { limit: FILE_LIMITS.maxPixels / 1_000_000 }))
      throw new HttpError(415, 'unsupported_media_type', msg('error.attachment.undecodable'))
    }
  }
  return {
    bytes: out,
    mediaType: mediaType as MediaType,
    fileName: withExtension(name, EXTENSIONS[mediaType]),
    size: out.length,
    sha256: createHash('sha256').update(out).digest('hex'),
    width,
    height,
  }
}

/**
 * A name to show and to offer as the download's name — never used as a path (the bytes live in
 * the database under a random id). The last path segment only, no control or reserved characters,
 * at most 100 characters; the extension is the sniffed type's.
 */
export function safeFileName(declared: string | undefined): string {
  const base = String(declared ?? '')
    .normalize('NFC')
    .split(/[/\\]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/^[\s.]+|[\s.]+$/g, '')
  return [...base].slice(0, 100).join('') || 'file'
}

function withExtension(name: string, ext: string): string {
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  return `${stem || 'file'}.${ext}`
}

/**
 * `Content-Disposition` with the name both as an ASCII fallback and RFC 5987/6266 `filename*`
 * (UTF-8, percent-encoded), so 照片.jpg arrives as named. Written here rather than with the
 * `content-disposition` package, which is only a transitive dependency of this project.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
