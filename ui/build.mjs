// Bundles the web UI with esbuild into ui/dist (static files Fastify serves).
// Entry points: every ui/src/*.ts (main SPA, modeler, viewer) and ui/src/styles/*.css.
// Code splitting keeps bpmn-js out of the main bundle: the modeler page loads modeler.js,
// the case page viewer.js, each with its own stylesheet.
//   node ui/build.mjs            production build (minified)
//   node ui/build.mjs --dev      unminified with inline source maps
//   node ui/build.mjs --outdir=DIR
// Source maps: none when NODE_ENV=production, else inline with --dev and linked .map files without
// (a public map hands out the readable source; the server does not serve .map there either).
import * as esbuild from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const uiDir = path.dirname(fileURLToPath(import.meta.url))
const rootDir = path.dirname(uiDir)

/** Builds the UI into `outdir` (default ui/dist). Returns esbuild's metafile. */
export async function buildUi({
  outdir = path.join(uiDir, 'dist'),
  dev = false,
  logLevel = 'warning',
  sourcemap = process.env.NODE_ENV === 'production' ? false : dev ? 'inline' : 'linked',
} = {}) {
  const srcDir = path.join(uiDir, 'src')
  const entryPoints = [
    ...fs
      .readdirSync(srcDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(srcDir, f)),
    ...fs
      .readdirSync(path.join(srcDir, 'styles'))
      .filter((f) => f.endsWith('.css'))
      .map((f) => path.join(srcDir, 'styles', f)),
  ]
  fs.rmSync(outdir, { recursive: true, force: true })
  fs.mkdirSync(outdir, { recursive: true })
  // form-js-editor pins preact <=10.15.1 (its own copy under its node_modules) and renders the
  // viewer's components, which would otherwise bundle the top-level preact: two preacts, and the
  // editor dies on its first hook ("reading 'context'"). Every form-js package gets the editor's
  // copy, which satisfies the viewer's range too; bpmn-js's properties panel is not touched.
  const formJsEditorDir = path.join(rootDir, 'node_modules', '@bpmn-io', 'form-js-editor')
  const onePreactForFormJs = {
    name: 'one-preact-for-form-js',
    setup(build) {
      build.onResolve({ filter: /^preact(\/.*)?$/ }, (args) => {
        // ui/src/lib/form-editor-i18n.ts hooks into the editor's Preact (options.vnode), and
        // ui/src/form-viewer.ts renders a field type of its own inside the viewer: the same copy.
        if (args.pluginData?.formJs || !/[\\/]@bpmn-io[\\/]form-js-|[\\/]ui[\\/]src[\\/](lib[\\/]form-editor-i18n|form-viewer)\.ts$/.test(args.importer))
          return undefined
        return build.resolve(args.path, { kind: args.kind, resolveDir: formJsEditorDir, pluginData: { formJs: true } })
      })
    },
  }
  const result = await esbuild.build({
    plugins: [onePreactForFormJs],
    absWorkingDir: rootDir,
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
    minify: !dev,
    sourcemap,
    metafile: true,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
    legalComments: 'linked',
    logLevel,
  })
  for (const f of fs.readdirSync(path.join(uiDir, 'public'))) {
    fs.copyFileSync(path.join(uiDir, 'public', f), path.join(outdir, f))
  }
  // Stamp the entry URLs with a content version so browsers never mix old and new bundles.
  const version = Date.now().toString(36)
  const html = fs.readFileSync(path.join(outdir, 'index.html'), 'utf8').replaceAll('__V__', version)
  fs.writeFileSync(path.join(outdir, 'index.html'), html)
  return result.metafile
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dev = process.argv.includes('--dev')
  const outArg = process.argv.find((a) => a.startsWith('--outdir='))
  const started = Date.now()
  const meta = await buildUi({ dev, ...(outArg && { outdir: path.resolve(outArg.slice('--outdir='.length)) }) })
  const sizes = Object.entries(meta.outputs)
    .filter(([f]) => /\/(main|modeler|viewer)\.(js|css)$/.test(f) || f.includes('styles'))
    .map(([f, o]) => `${path.basename(f)} ${(o.bytes / 1024).toFixed(0)} KiB`)
  console.log(`ui built in ${Date.now() - started} ms: ${sizes.join(', ')}`)
}
