/** An error that becomes an HTTP response `{ error, message, details? }` (see ../shared/api.md). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message)
  }
}

export const badRequest = (message: string, details?: unknown[]) => new HttpError(400, 'bad_request', message, details)
export const unauthorized = (message = '需要登录 / authentication required') => new HttpError(401, 'unauthorized', message)
export const forbidden = (message = '无权执行此操作 / not allowed') => new HttpError(403, 'forbidden', message)
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} 不存在 / not found`)
export const conflict = (message: string, details?: unknown[]) => new HttpError(409, 'conflict', message, details)
export const unprocessable = (message: string, details?: unknown[]) => new HttpError(422, 'unprocessable', message, details)

/** Another step changed the same process instance first; the whole request may be retried. */
export class RevisionConflict extends HttpError {
  constructor() {
    super(409, 'conflict', '流程实例已被并发修改，请重试 / the process instance was changed concurrently; retry')
  }
}
