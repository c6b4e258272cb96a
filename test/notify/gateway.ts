import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local HTTP server standing in for an SMS/WeChat gateway: it records every request (with its
 * Idempotency-Key) and answers as told: `ok` (200), `down` (503), `hold` (keeps the request
 * open until `releaseHeld()`, as a gateway that took the message but whose answer never arrived).
 */
export interface Gateway {
  url: string
  port: number
  mode: 'ok' | 'down' | 'hold'
  requests: { key: string; body: any }[]
  /** Keys of the requests the gateway accepted (answered 200, or took and held). */
  accepted: string[]
  /** Delay before answering, to keep deliveries in flight (two nodes racing). */
  delayMs: number
  /** Distinct keys received, and how many times each. */
  perKey(): Map<string, number>
  releaseHeld(): void
  close(): Promise<void>
}

export async function startGateway(port = 0): Promise<Gateway> {
  const held: http.ServerResponse[] = []
  const gw: Gateway = {
    url: '',
    port: 0,
    mode: 'ok',
    requests: [],
    accepted: [],
    delayMs: 0,
    perKey() {
      const m = new Map<string, number>()
      for (const r of gw.requests) m.set(r.key, (m.get(r.key) ?? 0) + 1)
      return m
    },
    releaseHeld() {
      for (const res of held.splice(0)) res.writeHead(200).end('{}')
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held.splice(0)) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '')
      gw.requests.push({ key, body: JSON.parse(body || 'null') })
      if (gw.mode === 'down') return void res.writeHead(503).end('down')
      gw.accepted.push(key)
      if (gw.mode === 'hold') return void held.push(res)
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), gw.delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  gw.port = (server.address() as AddressInfo).port
  gw.url = `http://127.0.0.1:${gw.port}/notify`
  return gw
}
