/**
 * `Content-Disposition: attachment` for a file name that may hold any character (a BPMN process
 * id is an XML name, so Chinese letters are allowed): an ASCII fallback in `filename`, the real
 * name in RFC 5987's `filename*`. Node refuses a header with characters outside Latin-1, so
 * putting the name in as written would have been a 500 for such a key.
 */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return ascii === filename ? `attachment; filename="${filename}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** Query string of the routes that can answer a file: `?download=1` asks for an attachment. */
export const downloadQuery = {
  type: 'object',
  properties: {
    download: { type: 'string', enum: ['1', 'true', '0', 'false'], description: '1：作为文件下载 / 1: answer as an attachment (Content-Disposition)' },
  },
} as const

export const wantsDownload = (query: unknown) => ['1', 'true'].includes(String((query as { download?: string }).download))
