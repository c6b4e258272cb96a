import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { FastifyInstance } from 'fastify'

/**
 * Security headers on every answer (UI, API, /docs, errors): helmet's defaults
 * (nosniff, Referrer-Policy no-referrer, HSTS, COOP/CORP same-origin …) with a Content-Security-
 * Policy fitted to what the web UI loads:
 * - scripts only from this origin: the UI is esbuild bundles, /docs is swagger-ui's own files,
 *   neither uses inline scripts or eval;
 * - styles from this origin plus inline: bpmn-js, diagram-js and the UI's own `h()` set style
 *   attributes, which CSP counts as inline styles (style cannot run code);
 * - images from data: and blob: (diagram icons, swagger-ui's SVG data URIs), fonts from data:;
 * - no framing at all (frame-ancestors and X-Frame-Options DENY): nothing embeds the UI, and a
 *   framed task page could be clickjacked into completing a task.
 * upgrade-insecure-requests is left out: a deployment reached over plain HTTP (a county LAN,
 * the tests) would have its own scripts upgraded to an HTTPS port that does not answer.
 */
export const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    workerSrc: ["'self'", 'blob:'],
  },
}

export default fp(
  async function securityHeaders(app: FastifyInstance) {
    // helmet's own middleware, built once: @fastify/helmet called helmet(options) on every
    // request, re-validating the options and re-serialising the CSP directives each time
    // (nothing here uses its per-route options, reply.helmet() or CSP nonces). The policy
    // has no nonce, so the same headers go on every answer, set before any hook can refuse it.
    const setHeaders = helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' } })
    app.addHook('onRequest', (request, reply, done) => setHeaders(request.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined)))
  },
  { name: 'security-headers' },
)
