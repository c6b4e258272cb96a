import fs from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { projectRoot } from '../lib/paths.js'

export interface StaticUiOptions {
  /** The built UI (default: UI_DIR or <project>/ui/dist, made by `node ui/build.mjs`). */
  root?: string
  /**
   * Serve `.map` files (default: unless NODE_ENV=production). Production builds emit none
   * (ui/build.mjs); this also keeps a map that a development build left in UI_DIR private,
   * since a map hands out the readable source of every page.
   */
  sourceMaps?: boolean
}

/**
 * Paths that are never the UI: an unknown one there is a 404, never the app shell. Each API
 * answers its own 404 under its prefix (Open311 in GeoReport's `[{code, description}]`, the
 * Camunda REST in `{type, message}`) through routes of its own that take precedence over this
 * one; these prefixes are listed too, so that a path those do not cover (`/open311`, a v1 URL)
 * still gets a 404 rather than a 200 page of HTML that a client would fail to parse.
 */
const NOT_UI = /^\/(api|docs|health|open311|engine-rest)(\/|$|\?)/

/**
 * Serves the web UI: files from ui/dist, and index.html for any other GET outside /api, /docs,
 * /health, /open311 and /engine-rest (the SPA routes: /tasks/…, /cases/…, /track/…). Hashed chunks and the entry
 * files index.html asks for as …?v=<build> are cached for a year; everything else (index.html,
 * the lazily loaded modeler/viewer entries) is revalidated on every load.
 */
export default fp(async function staticUi(app: FastifyInstance, opts: StaticUiOptions) {
  const root = path.resolve(opts.root ?? process.env.UI_DIR ?? path.join(projectRoot(), 'ui', 'dist'))
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'web UI not built (run `node ui/build.mjs`); serving the API only')
  }
  const sourceMaps = opts.sourceMaps ?? process.env.NODE_ENV !== 'production'
  await app.register(fastifyStatic, { root, serve: false, decorateReply: true })

  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const urlPath = decodePath(request.url.split('?')[0])
    // Undecodable escapes and control characters name no file of the build (and a NUL made
    // fs.statSync throw: a 500).
    if (urlPath === null || /[\u0000-\u001f\u007f]/.test(urlPath)) return reply.callNotFound()
    if (NOT_UI.test(urlPath)) return reply.callNotFound()
    const rel = path.posix.normalize(urlPath).replace(/^\/+/, '')
    const file = path.join(root, rel)
    if (!sourceMaps && rel.endsWith('.map')) return reply.callNotFound()
    if (rel && !rel.includes('..') && file.startsWith(root + path.sep) && isFile(file)) {
      // Chunks and assets carry a content hash; entry files are requested as …?v=<build>.
      const hashed = rel.startsWith('chunks/') || rel.startsWith('assets/') || /[?&]v=/.test(request.url)
      return reply.sendFile(rel, hashed ? { maxAge: '365d', immutable: true } : { maxAge: 0 })
    }
    // A missing asset is a 404, not the app shell.
    if (/\.(js|css|map|png|svg|ico|woff2?|ttf|eot|json|txt)$/.test(rel)) return reply.callNotFound()
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      return reply.status(503).send({
        error: 'ui_not_built',
        message: '界面尚未构建，请运行 node ui/build.mjs / UI not built: run node ui/build.mjs',
        key: 'error.uiNotBuilt',
        params: {},
      })
    }
    reply.header('cache-control', 'no-cache')
    return reply.sendFile('index.html', { cacheControl: false })
  })
})

function decodePath(p: string): string | null {
  try {
    return decodeURIComponent(p)
  } catch {
    return null
  }
}

/** stat errors other than "no such file" (ENOTDIR under a file, ENAMETOOLONG) also mean "not a file here". */
function isFile(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false
  } catch {
    return false
  }
}
