import { createRequire } from 'node:module'

/**
 * Fastify's own schema compilers, shared by every app built in one process that is given them
 * (`buildApp({ schemaCompilers })`). A server builds one app and gains nothing; the tests build
 * hundreds, one per test, and compiling every route's schemas anew (ajv, fast-json-stringify)
 * was about half of each test's start. Shared, a schema compiles once per process: the caches
 * below are keyed by the schema's JSON text, since routes build some schemas as fresh object
 * literals on every registration (ajv's own cache knows only the object).
 *
 * The compilers are the very ones Fastify would create for each app (@fastify/ajv-compiler,
 * @fastify/fast-json-stringify-compiler), resolved from Fastify's own folder so the versions
 * match; only their lifetime changes, so validation and serialisation behave identically.
 */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'))

type SerializerArgs = { schema: object; method: string; url: string; httpStatus: string; contentType?: string }
type Serialize = (data: unknown) => string

export interface SchemaCompilers {
  buildValidator: (externalSchemas: unknown, options: unknown) => (args: { schema: object }) => unknown
  buildSerializer: (externalSchemas: unknown, options: unknown) => (args: SerializerArgs) => Serialize
}

/**
 * A function compiled the first time it is touched (called, or a property read), and from then
 * on forwarded to: the tests' apps each register every route, but a test calls a handful, and
 * compiling all of them (ajv, fast-json-stringify) was some 0.7 s of CPU in each test process,
 * a tenth of CI's. Fastify reads the validator's `schemaEnv` and `errors` around each call;
 * through the proxy it reads the compiled function's own, so validation is unchanged. A schema
 * that cannot compile fails when first used instead of at start: the server processes the
 * tests start (test/server-process.ts) compile every route eagerly, as production does.
 */
function onFirstUse<F extends (...args: never[]) => unknown>(compile: () => F): F {
  let fn: F | undefined
  const real = () => (fn ??= compile())
  return new Proxy(function lazy() {} as unknown as F, {
    apply: (_target, self, args) => Reflect.apply(real(), self, args),
    get: (_target, prop) => Reflect.get(real(), prop),
    set: (_target, prop, value) => Reflect.set(real(), prop, value),
    has: (_target, prop) => Reflect.has(real(), prop),
  })
}

export function sharedSchemaCompilers(opts: { lazy?: boolean } = {}): SchemaCompilers {
  const ValidatorSelector = fastifyRequire('@fastify/ajv-compiler')
  const SerializerSelector = fastifyRequire('@fastify/fast-json-stringify-compiler')
  // A compiled function serves every schema of the same text compiled with the same external
  // schemas and options (the pool key, as @fastify/ajv-compiler keys its own pool).
  const cached = <A extends { schema: object }, F>(select: (externalSchemas: unknown, options: unknown) => (args: A) => F) => {
    const pools = new Map<string, Map<string, F>>()
    return (externalSchemas: unknown, options: unknown) => {
      const compile = select(externalSchemas, options)
      const poolKey = JSON.stringify([externalSchemas, options])
      let pool = pools.get(poolKey)
      if (!pool) pools.set(poolKey, (pool = new Map()))
      return (args: A) => {
        const key = JSON.stringify(args.schema)
        let fn = pool!.get(key)
        if (!fn) pool!.set(key, (fn = opts.lazy ? (onFirstUse(() => compile(args) as never) as F) : compile(args)))
        return fn
      }
    }
  }
  return {
    buildValidator: cached<{ schema: object }, unknown>(ValidatorSelector()),
    buildSerializer: cached<SerializerArgs, Serialize>(SerializerSelector()),
  }
}
