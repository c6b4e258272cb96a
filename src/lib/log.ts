import type { FastifyLoggerOptions, FastifyRequest } from 'fastify'

/** Where log lines go when not stdout (pino writes one JSON line per call). */
export interface LogStream {
  write(line: string): void
}

/**
 * Query parameters whose values are secrets: the deprecated `?code=` of tracking links, Open311's
 * `?api_key=`, and the names a client might put a token or password under. Compared without case.
 */
const SECRET_PARAMS = new Set(['code', 'api_key', 'token', 'password'])

/**
 * The URL with each secret parameter's value replaced by `***`, everything else byte for byte
 * (re-encoding the query through URLSearchParams would change what an operator greps for).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const query = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=')
      const name = eq < 0 ? part : part.slice(0, eq)
      return eq >= 0 && SECRET_PARAMS.has(decodeName(name).toLowerCase()) ? `${name}=***` : part
    })
    .join('&')
  return `${url.slice(0, q)}?${query}`
}

/** A parameter name as the query parser reads it (`api%5Fkey` is `api_key`); undecodable stays as sent. */
function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '))
  } catch {
    return name
  }
}

/**
 * The server's logger: pino at `level`, its request lines with secrets taken out of the URL.
 * The fields are Fastify's own request serializer's; headers (Authorization, X-Tracking-Code,
 * cookies) are left out as there. `stream` lets a test read the lines.
 */
export function loggerOptions(level: string, stream?: LogStream): FastifyLoggerOptions {
  return {
    level,
    ...(stream && { stream }),
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        version: request.headers?.['accept-version'] as string | undefined,
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  }
}
